"""webapp.store.organization_names: free-text organization names matched to records (search normaliser)."""

from webapp.store.organization_names import match_name, name_index, unmatched_names


def test_matches_arabic_and_english_names_whatever_the_spelling():
    index = name_index([(1, "جمعية الأمل", "Al-Amal Society"), (2, "", "Silwan Youth Club")])
    assert match_name("جمعيه  الامل", index) == 1  # ة/ه, أ/ا and spaces folded
    assert match_name("al amal society", index) == 1
    assert match_name("SILWAN youth-club", index) == 2
    assert match_name("Youth Club", index) is None  # a part of a name is not the name
    assert match_name("", index) is None and match_name(None, index) is None


def test_a_name_shared_by_two_organizations_links_to_neither():
    index = name_index([(1, "لجنة الحي", ""), (2, "لجنة الحى", "Other")])
    assert match_name("لجنة الحي", index) is None
    assert match_name("other", index) == 2


def test_unmatched_names_are_distinct_in_first_spelling():
    index = name_index([(1, "جمعية الأمل", "")])
    texts = ["جمعية الامل", " Bustan  Committee ", "bustan committee", "", None, "مركز"]
    assert unmatched_names(texts, index) == ["Bustan Committee", "مركز"]
