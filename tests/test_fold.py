"""Folding for comparison: Turkish case, ASCII letters, suffix variants, village part."""
from addrmig.locations.keys import district_key, name_key
from addrmig.text import fold, tr_lower, tr_upper


def test_turkish_dotted_and_dotless_i_fold_alike():
    assert fold("İSTANBUL") == fold("istanbul") == fold("Istanbul") == fold("ıstanbul")


def test_tr_lower_and_upper_keep_dotted_and_dotless_i_apart():
    assert tr_lower("IĞDIR") == "ığdır"
    assert tr_upper("izmir") == "İZMİR"


def test_turkish_letters_typed_as_ascii_fold_to_the_same_key():
    assert name_key("Şanlıurfa") == name_key("SANLIURFA") == name_key("sanliurfa")
    assert name_key("Gümüşhane") == name_key("gumushane")


def test_decomposed_unicode_folds_like_composed():
    assert name_key("Mu\u0073\u0327") == name_key("Muş")


def test_punctuation_and_spaces_do_not_matter():
    assert name_key("  K.Maraş ") == name_key("K Maraş") == name_key("kmaras")


def test_mahalle_suffix_variants_fold_to_one_kind():
    keys = {district_key(v)["short"] for v in ("Caferağa Mah", "CAFERAĞA MAH.", "caferağa mahallesi",
                                                  "Caferaga Mh.", "CAFERAĞA MAHALLESİ")}
    assert keys == {"caferagamah"}


def test_village_suffix_variants_fold_to_one_kind():
    keys = {district_key(v)["short"] for v in ("Hakbilir Köyü", "Hakbilir Köy", "HAKBILIR KOYU")}
    assert keys == {"hakbilirkoy"}


def test_belde_suffix_is_recognised():
    assert district_key("Yenikent Beldesi")["kind"] == "belde"


def test_village_part_is_kept_apart_from_the_name():
    key = district_key("Yeni Mah (nar Beldesi)")
    assert (key["base"], key["kind"], key["paren"]) == ("yeni", "mah", "narbelde")


def test_name_without_suffix_keeps_its_base():
    assert district_key("KEPEZ")["base"] == district_key("Kepez Mah")["base"] == "kepez"


def test_misplaced_space_in_village_part_still_meets():
    assert district_key("UZUNSIRT MAH. (DUMANL IKÖYÜ)")["paren"] == district_key("Uzunsırt Mah (dumanlı Köyü)")["paren"]


def test_lost_opening_parenthesis_still_separates_the_village():
    assert district_key("Kurtgözlü Mah yamaçdere Köyü)")["paren"] == "yamacderekoy"


def test_mistyped_mahallesi_is_still_a_neighbourhood():
    assert district_key("esenyurt mhaallesi")["short"] == "esenyurtmah"


def test_village_written_as_neighbourhood_keeps_a_village_reading():
    assert district_key("TAŞLIK KÖYÜ MAHALLESİ")["alt"] == district_key("Taşlık Köyü")["short"]
