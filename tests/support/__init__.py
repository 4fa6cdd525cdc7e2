"""What the tests share: builders of entries and histories (`builders`), the hypothesis
strategies (`strategies`) and the ways to run `poa` (`runners`).

Every import of production code that the tests share lives in these modules, so a
renamed module is fixed here once.
"""
