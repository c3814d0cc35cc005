pytest_plugins = [
    "tests.fixtures.services",
    "tests.fixtures.catalog",
    "tests.fixtures.rollouts",
    "tests.fixtures.devices",
    "tests.fixtures.webhooks",
    "tests.fixtures.redis_server",
]
