from tests.api.conftest import api, reader_api  # noqa: F401 - the API's fixtures, here too
