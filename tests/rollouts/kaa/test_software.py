"""Kaa's application software: create, read, list, update, with the seed's bodies and status codes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Release
from rollouts.models import Rollout, RolloutEvent, RolloutFilter
from tests.factories import ModuleFactory, ReleaseFactory

from .conftest import software_url

pytestmark = pytest.mark.django_db


def seed_body(first, second):
    """The POST example of the Kaa reference, with our filter ids."""
    return {
        "specification": {"link": "ftp://software-repository"},
        "metadata": "Ubuntu 17.10",
        "upgradableFrom": ["1.0.0", "1.0.1"],
        "rolloutStrategy": "targeted",
        "filters": [
            {"filterId": str(first.id), "rolloutDate": "2019-04-20T11:19:57.848Z"},
            {"filterId": str(second.id), "rolloutDate": "2019-05-20T11:19:57.848Z"},
        ],
        "skipDispatchingToEndpoint": True,
    }


def test_post_creates_the_software_and_answers_201_with_its_location(api, kettle):
    response = api.post(software_url("smart-kettle", "1.0.2"), {"rolloutStrategy": "general"}, format="json")

    assert response.status_code == 201
    assert response["Location"] == "http://testserver/otao/api/v1/applications/smart-kettle/software/1.0.2"
    release = Release.objects.get(product=kettle, version="1.0.2")
    assert release.module.name == "default"
    assert release.rollout.strategy == "general"


def test_get_answers_what_post_stored_in_kaa_shape(api, kettle, device_filter):
    first, second = device_filter("early"), device_filter("late")
    api.post(software_url("smart-kettle", "1.0.2"), seed_body(first, second), format="json")

    response = api.get(software_url("smart-kettle", "1.0.2"))

    assert response.status_code == 200
    assert response.json() == {
        "appName": "smart-kettle",
        "version": "1.0.2",
        "specification": {"link": "ftp://software-repository"},
        "metadata": "Ubuntu 17.10",
        "upgradableFrom": ["1.0.0", "1.0.1"],
        "rolloutStrategy": "targeted",
        "filters": [
            {"filterId": str(first.id), "rolloutDate": "2019-04-20T11:19:57.848Z"},
            {"filterId": str(second.id), "rolloutDate": "2019-05-20T11:19:57.848Z"},
        ],
        "skipDispatchingToEndpoint": True,
    }


def test_dates_without_fraction_are_accepted_and_answered_in_the_documented_format(api, create, device_filter):
    beta = device_filter()
    create(rolloutStrategy="targeted", filters=[{"filterId": str(beta.id), "rolloutDate": "2030-01-02T03:04:05Z"}])

    response = api.get(software_url("smart-kettle", "1.0.2"))

    assert response.json()["filters"] == [{"filterId": str(beta.id), "rolloutDate": "2030-01-02T03:04:05Z"}]


def test_a_filter_without_date_is_answered_without_one(api, create, device_filter):
    beta = device_filter()
    create(rolloutStrategy="targeted", filters=[{"filterId": str(beta.id)}])

    response = api.get(software_url("smart-kettle", "1.0.2"))

    assert response.json()["filters"] == [{"filterId": str(beta.id)}]
    assert RolloutFilter.objects.get().rollout_date is None


def test_filename_names_the_uploaded_file(api, kettle, verified_release):
    verified_release(product=kettle, version="2.0.0", file_name="sketch.bin")

    response = api.get(software_url("smart-kettle", "2.0.0"))

    assert response.json()["filename"] == "sketch.bin"


def test_a_release_registered_elsewhere_reads_as_suspended_without_filename(api, kettle):
    ReleaseFactory(product=kettle, version="0.9.0")
    Rollout.objects.filter(release__version="0.9.0").delete()

    body = api.get(software_url("smart-kettle", "0.9.0")).json()

    assert "filename" not in body
    assert body["rolloutStrategy"] == "suspended"
    assert body["filters"] == []
    assert body["skipDispatchingToEndpoint"] is False


def test_list_answers_the_default_module_versions_in_version_order(api, kettle):
    for version in ("1.10.0", "1.9.0", "1.2.3"):
        ReleaseFactory(product=kettle, version=version)
    ReleaseFactory(product=kettle, module=ModuleFactory(product=kettle, name="bootloader"), version="5.0.0")

    response = api.get(software_url("smart-kettle"))

    assert response.status_code == 200
    assert [item["version"] for item in response.json()] == ["1.2.3", "1.9.0", "1.10.0"]


def test_list_takes_the_same_number_of_queries_for_3_and_30_versions(api, kettle, create, device_filter):
    beta = device_filter()

    def count_for(total):
        while Release.objects.filter(product=kettle).count() < total:
            create(f"1.{Release.objects.count()}.0", rolloutStrategy="targeted",
                   filters=[{"filterId": str(beta.id), "rolloutDate": "2030-01-01T00:00:00Z"}])
        with CaptureQueriesContext(connection) as queries:
            assert len(api.get(software_url("smart-kettle")).json()) == total
        return len(queries)

    assert count_for(3) == count_for(30)


def test_list_of_an_unknown_application_is_404_with_a_message(api, kettle):
    response = api.get(software_url("no-such-kettle"))

    assert response.status_code == 404
    assert response.json() == {"message": "Application 'no-such-kettle' not found."}


def test_get_of_an_unknown_version_is_404_with_a_message(api, kettle):
    response = api.get(software_url("smart-kettle", "9.9.9"))

    assert response.status_code == 404
    assert "9.9.9" in response.json()["message"]


def test_post_of_an_existing_version_is_400_and_changes_nothing(api, create):
    create(rolloutStrategy="suspended", metadata="first")

    response = api.post(software_url("smart-kettle", "1.0.2"), {"rolloutStrategy": "general", "metadata": "second"},
                        format="json")

    assert response.status_code == 400
    assert "already exists" in response.json()["message"]
    release = Release.objects.get(version="1.0.2")
    assert (release.metadata, release.rollout.strategy) == ("first", "suspended")


@pytest.mark.parametrize("version", ["1.0 beta", "1.0,2", "é1.0", "x" * 257])
def test_post_of_a_malformed_version_is_400_naming_software_version(api, kettle, version):
    response = api.post(software_url("smart-kettle", version), {"rolloutStrategy": "general"}, format="json")

    assert response.status_code == 400
    assert response.json()["message"].startswith("softwareVersion:")
    assert not Release.objects.exists()


def test_post_to_an_unknown_application_is_404(api, kettle):
    response = api.post(software_url("toaster", "1.0.0"), {"rolloutStrategy": "general"}, format="json")

    assert response.status_code == 404
    assert response.json() == {"message": "Application 'toaster' not found."}


def test_post_naming_an_unknown_filter_is_400_naming_it_and_writes_nothing(api, kettle, device_filter):
    known = device_filter()
    unknown = "79c717d9-eedd-4f71-b9f8-86caf7e309e4"
    body = {"rolloutStrategy": "targeted", "filters": [{"filterId": str(known.id)}, {"filterId": unknown}]}

    response = api.post(software_url("smart-kettle", "1.0.2"), body, format="json")

    assert response.status_code == 400
    assert response.json() == {"message": f"filters: Unknown filter {unknown}."}
    assert not Release.objects.exists()
    assert not Rollout.objects.exists()


def test_post_listing_a_filter_twice_is_400(api, kettle, device_filter):
    beta = device_filter()
    body = {"rolloutStrategy": "targeted", "filters": [{"filterId": str(beta.id)}, {"filterId": str(beta.id)}]}

    response = api.post(software_url("smart-kettle", "1.0.2"), body, format="json")

    assert response.status_code == 400
    assert response.json() == {"message": f"filters[1].filterId: Filter {beta.id} is given twice."}
    assert not Release.objects.exists()


@pytest.mark.parametrize(("body", "message"), [
    ({}, "rolloutStrategy: This field is required."),
    ({"rolloutStrategy": "everyone"}, 'rolloutStrategy: "everyone" is not a valid choice.'),
    ({"rolloutStrategy": "general", "filters": [{"filterId": "not-a-uuid"}]},
     "filters[0].filterId: Must be a valid UUID."),
    ({"rolloutStrategy": "general", "filters": [{}]}, "filters[0].filterId: This field is required."),
    ({"rolloutStrategy": "general", "filters": "all"}, "filters: Expected a list of items"),
    ({"rolloutStrategy": "general", "upgradableFrom": "1.0.0"}, "upgradableFrom: Expected a list of items"),
    ({"rolloutStrategy": "general", "upgradableFrom": ["1.0 0"]}, "upgradableFrom: Use 1 to 256 letters"),
    ({"rolloutStrategy": "general", "upgradableFrom": [f"1.{n}" for n in range(21)]},
     "upgradableFrom: At most 20 source versions"),
    ({"rolloutStrategy": "general", "skipDispatchingToEndpoint": "perhaps"},
     "skipDispatchingToEndpoint: Must be a valid boolean."),
    ({"rolloutStrategy": "general", "rolloutstrategy": "general"}, "rolloutstrategy: Unknown field."),
    ({"rolloutStrategy": "general", "version": "1.0.3"}, "version: Cannot be changed here."),
    ({"rolloutStrategy": "general", "appName": "toaster"}, "appName: Cannot be changed here."),
])
def test_post_with_a_bad_body_is_400_naming_the_field_and_writes_nothing(api, kettle, body, message):
    response = api.post(software_url("smart-kettle", "1.0.2"), body, format="json")

    assert response.status_code == 400
    assert response.json()["message"].startswith(message), response.json()
    assert not Release.objects.exists()


@pytest.mark.parametrize("date", [
    "2019-04-20", "2019-04-20T11:19:57", "2019-04-20T11:19:57+02:00", "2019-04-20 11:19:57Z",
    "20/04/2019", "2019-13-20T11:19:57Z", "2019-02-30T11:19:57Z", "2019-04-20T25:00:00Z", 1555759197, "",
])
def test_post_with_a_bad_rollout_date_is_400_naming_it(api, kettle, device_filter, date):
    body = {"rolloutStrategy": "targeted", "filters": [{"filterId": str(device_filter().id), "rolloutDate": date}]}

    response = api.post(software_url("smart-kettle", "1.0.2"), body, format="json")

    assert response.status_code == 400
    assert response.json()["message"].startswith("filters[0].rolloutDate:"), response.json()
    assert not Release.objects.exists()


def test_post_of_a_body_that_is_not_json_is_400(api, kettle):
    response = api.post(software_url("smart-kettle", "1.0.2"), "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["message"].startswith("JSON parse error")


def test_post_of_a_body_that_is_a_list_is_400(api, kettle):
    response = api.post(software_url("smart-kettle", "1.0.2"), [], format="json")

    assert response.status_code == 400
    assert "Expected a dictionary" in response.json()["message"]


def test_post_records_who_created_the_software_and_started_it(api, create, admin_user):
    create(rolloutStrategy="general")

    events = RolloutEvent.objects.filter(rollout__release__version="1.0.2").order_by("created_at", "id")

    assert [(event.kind, event.actor) for event in events] == [("created", admin_user), ("started", admin_user)]


def test_put_replaces_the_policy_and_answers_204(api, create, device_filter):
    first, second = device_filter("early"), device_filter("late")
    create(rolloutStrategy="targeted", filters=[{"filterId": str(first.id)}])
    body = {"rolloutStrategy": "targeted", "metadata": {"os": "Ubuntu"}, "upgradableFrom": ["1.0.0"],
            "filters": [{"filterId": str(second.id), "rolloutDate": "2031-01-01T00:00:00Z"}],
            "skipDispatchingToEndpoint": True}

    response = api.put(software_url("smart-kettle", "1.0.2"), body, format="json")

    assert response.status_code == 204
    read = api.get(software_url("smart-kettle", "1.0.2")).json()
    assert read["metadata"] == {"os": "Ubuntu"}
    assert read["upgradableFrom"] == ["1.0.0"]
    assert read["filters"] == [{"filterId": str(second.id), "rolloutDate": "2031-01-01T00:00:00Z"}]
    assert read["skipDispatchingToEndpoint"] is True


def test_put_keeps_the_fields_it_leaves_out(api, create, device_filter):
    beta = device_filter()
    create(rolloutStrategy="targeted", metadata="kept", upgradableFrom=["1.0.0"],
           filters=[{"filterId": str(beta.id)}], skipDispatchingToEndpoint=True)

    response = api.put(software_url("smart-kettle", "1.0.2"), {"rolloutStrategy": "general"}, format="json")

    assert response.status_code == 204
    read = api.get(software_url("smart-kettle", "1.0.2")).json()
    assert read["rolloutStrategy"] == "general"
    assert (read["metadata"], read["upgradableFrom"], read["skipDispatchingToEndpoint"]) == ("kept", ["1.0.0"], True)
    assert read["filters"] == [{"filterId": str(beta.id)}]


def test_put_of_what_get_answered_is_accepted(api, create):
    create(rolloutStrategy="suspended", specification={"link": "ftp://x"})
    read = api.get(software_url("smart-kettle", "1.0.2")).json()

    response = api.put(software_url("smart-kettle", "1.0.2"), {**read, "rolloutStrategy": "general"}, format="json")

    assert response.status_code == 204
    assert Rollout.objects.get().strategy == "general"


def test_put_cannot_change_the_specification(api, create):
    create(rolloutStrategy="suspended", specification={"link": "ftp://x"})

    response = api.put(software_url("smart-kettle", "1.0.2"),
                       {"rolloutStrategy": "general", "specification": {"link": "ftp://y"}}, format="json")

    assert response.status_code == 400
    assert response.json() == {"message": "specification: Cannot be changed here."}
    assert Release.objects.get().specification == {"link": "ftp://x"}
    assert Rollout.objects.get().strategy == "suspended"


def test_put_with_an_unknown_filter_is_400_and_keeps_everything(api, create, device_filter):
    beta = device_filter()
    create(rolloutStrategy="targeted", metadata="before", filters=[{"filterId": str(beta.id)}])
    unknown = "14ebc071-31f8-4137-b60f-6e83b0f8299c"

    response = api.put(software_url("smart-kettle", "1.0.2"),
                       {"rolloutStrategy": "general", "metadata": "after", "filters": [{"filterId": unknown}]},
                       format="json")

    assert response.status_code == 400
    assert unknown in response.json()["message"]
    release = Release.objects.get()
    assert (release.metadata, release.rollout.strategy) == ("before", "targeted")
    assert list(release.rollout.filters.all()) == [beta]


def test_put_without_strategy_is_400(api, create):
    create()

    response = api.put(software_url("smart-kettle", "1.0.2"), {"metadata": "x"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"message": "rolloutStrategy: This field is required."}


def test_put_of_an_unknown_version_is_404(api, kettle):
    response = api.put(software_url("smart-kettle", "3.0.0"), {"rolloutStrategy": "general"}, format="json")

    assert response.status_code == 404


def test_put_records_what_changed_and_who_changed_it(api, create, admin_user):
    create(rolloutStrategy="targeted")

    api.put(software_url("smart-kettle", "1.0.2"), {"rolloutStrategy": "general"}, format="json")

    event = RolloutEvent.objects.filter(kind="policy_changed").get()
    assert event.actor == admin_user
    assert "strategy general" in event.message
