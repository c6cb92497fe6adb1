"""The records stage's last resorts (eventcoder/views.py), on records built by hand."""
from eventcoder.record import ActorRef, Event, Evidence, Location
from eventcoder.views import fill_countries, fill_from_the_article


def _event(actor: ActorRef, location: Location | None) -> Event:
    return Event(id="a-00", article_id="a", story_date="2024-03-14", event_type="PROTEST", quad_class=2,
                 goldstein=-6.5, actors=[actor], location=location,
                 evidence=Evidence(text="Protesters in Tripoli marched.", start=0, end=30))


def test_a_country_read_off_a_place_name_follows_the_resolved_place():
    actor = ActorRef(text="Protesters", sector="CVL", country="LBY", start=0, end=10,
                     reason="sector word only; country from 'Tripoli' (nearest place)")
    tripoli = Location(text="Tripoli", name="Tripoli", country="LBN", lat=34.43, lon=35.84, precision=1)
    event = _event(actor, tripoli)
    fill_countries(event)
    assert event.actors[0].country == "LBN"
    assert "resolved in LBN" in event.actors[0].reason


def test_a_country_from_the_actors_own_name_is_kept():
    actor = ActorRef(text="Libyan protesters", sector="CVL", country="LBY", start=0, end=17, reason="demonym")
    tripoli = Location(text="Tripoli", name="Tripoli", country="LBN", lat=34.43, lon=35.84, precision=1)
    event = _event(actor, tripoli)
    fill_countries(event)
    assert event.actors[0].country == "LBY"


def test_an_actor_with_no_country_takes_the_places():
    actor = ActorRef(text="Protesters", sector="CVL", start=0, end=10, reason="sector word only")
    event = _event(actor, Location(text="Sidon", name="Sidon", country="LBN", lat=33.56, lon=35.37, precision=1))
    fill_countries(event)
    assert event.actors[0].country == "LBN"


def test_an_event_with_no_place_takes_the_one_country_of_the_articles_actors():
    residents = _event(ActorRef(text="Residents", sector="CVL", start=0, end=9, reason="sector word only"), None)
    fighters = _event(ActorRef(text="HTS fighters", sector="REB", country="SYR", start=40, end=52,
                               reason="dictionary organization"), None)
    fill_countries(fighters)  # the first actor's country: Syria
    fill_from_the_article([residents, fighters])
    assert residents.location is not None and residents.location.country == "SYR"
    assert residents.location.precision == 3
    assert "other events" in residents.location.reason


def test_actors_of_two_countries_give_no_place():
    residents = _event(ActorRef(text="Residents", sector="CVL", start=0, end=9, reason="sector word only"), None)
    syrians = _event(ActorRef(text="HTS fighters", sector="REB", country="SYR", start=40, end=52, reason="x"), None)
    turks = _event(ActorRef(text="Turkish soldiers", sector="MIL", country="TUR", start=60, end=76, reason="x"), None)
    fill_from_the_article([residents, syrians, turks])
    assert residents.location is None


def _assault(actor: ActorRef, recipient: ActorRef) -> Event:
    return Event(id="a-01", article_id="a", story_date="2024-03-14", event_type="ASSAULT", quad_class=4,
                 goldstein=-10.0, actors=[actor], recipients=[recipient],
                 evidence=Evidence(text="Soldiers fired at farmers.", start=0, end=26))


def test_a_states_forces_acting_on_people_of_another_country_act_in_theirs():
    soldiers = ActorRef(text="Israeli soldiers", sector="MIL", country="ISR", start=0, end=16, reason="demonym")
    farmers = ActorRef(text="Palestinian farmers", sector="CVL", country="PSE", start=30, end=49, reason="demonym")
    event = _assault(soldiers, farmers)
    fill_countries(event)
    assert event.location is not None and event.location.country == "PSE", event.location
    assert "acted on Palestinian farmers" in event.location.reason


def test_rebels_acting_on_foreigners_keep_their_own_country():
    rebels = ActorRef(text="ADF rebels", sector="REB", country="COD", start=0, end=10, reason="dictionary")
    workers = ActorRef(text="Chinese workers", sector="CVL", country="CHN", start=30, end=45, reason="demonym")
    event = _assault(rebels, workers)
    fill_countries(event)
    assert event.location is not None and event.location.country == "COD", event.location


def test_gunmen_of_no_country_strike_where_their_targets_are():
    gunmen = ActorRef(text="Unidentified gunmen", sector="UAF", start=0, end=19, reason="unnamed attackers")
    soldiers = ActorRef(text="Iraqi soldiers", sector="MIL", country="IRQ", start=30, end=44, reason="demonym")
    event = _assault(gunmen, soldiers)
    fill_countries(event)
    assert event.location is not None and event.location.country == "IRQ", event.location
    assert "their target" in event.location.reason


def test_a_protest_against_a_foreign_state_is_not_placed_in_it():
    crowd = ActorRef(text="Protesters", sector="CVL", start=0, end=10, reason="sector word only")
    embassy = ActorRef(text="the French embassy", sector="GOV", country="FRA", start=30, end=48, reason="demonym")
    event = _event(crowd, None)
    event.recipients = [embassy]
    fill_countries(event)
    assert event.location is None
