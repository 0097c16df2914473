import pytest

from anxin.revisits.indices import SurveyGroup, competitiveness_index, csi


def test_csi_worked_example():
    assert csi([5, 4, 4, 3, 5]) == 84.0
    assert csi([]) is None
    with pytest.raises(ValueError):
        csi([6])


def test_competitiveness_worked_example_from_docs():
    groups = [SurveyGroup("ours", 200, 170, 30_000), SurveyGroup("A", 100, 20, 50_000),
              SurveyGroup("B", 100, 10, 20_000)]
    assert competitiveness_index(groups) == 37.5


@pytest.mark.parametrize("group", [SurveyGroup("x", 0, 0, 10), SurveyGroup("x", 10, 11, 10),
                                   SurveyGroup("x", 10, 5, -1)])
def test_impossible_counts_are_refused(group):
    with pytest.raises(ValueError):
        competitiveness_index([group])


def test_indices_page(world, client_for):
    page = client_for(world.manager).get("/revisits/indices/?asked_0=200&yes_0=170&population_0=30000"
                                         "&asked_1=100&yes_1=20&population_1=50000&asked_2=100&yes_2=10"
                                         "&population_2=20000")
    assert page.status_code == 200 and "37.5" in page.content.decode()
    bad = client_for(world.manager).get("/revisits/indices/?asked_0=10&yes_0=11&population_0=5")
    assert "请检查" in bad.content.decode()
    assert client_for(world.tech_a).get("/revisits/indices/").status_code == 403
