"""The Akinon address field table: the one declaration every other module reads.

The schema, the column mapper, the UI help texts and the README table are all
built from ``FIELDS``; change a rule here and it changes everywhere.
"""
from __future__ import annotations

from dataclasses import dataclass

from addrmig.i18n import N_, _


@dataclass(frozen=True)
class Field:
    name: str
    required: bool
    max_length: int | None
    description: str
    #: Header spellings seen in legacy exports, English and Turkish. Matching is
    #: case-, accent- and punctuation-insensitive, so list each word once.
    synonyms: tuple[str, ...] = ()
    #: Which content check applies beyond presence and length.
    kind: str = "text"  # text | email | phone | digits | location | postcode | full_name


FIELDS: tuple[Field, ...] = (
    Field("user", True, 255, N_("Customer code of the user, as given in the user migration."),
          ("customer_code", "customer code", "customer", "customer id", "customer_id", "user code",
           "user id", "user_id", "musteri kodu", "müşteri kodu", "müşteri no", "müşteri numarası",
           "müşteri", "cari kod", "cari kodu", "üye no", "kullanıcı", "kullanıcı kodu", "kod")),
    Field("email", True, 255, N_("E-mail address of the user."),
          ("e-mail", "e_mail", "mail", "email address", "e-mail address", "e-posta", "eposta",
           "e-posta adresi", "mail adresi", "elektronik posta"), kind="email"),
    Field("phone_number", False, 255, N_("Phone number of the address."),
          ("phone", "telephone", "tel", "mobile", "gsm", "cell", "phone no", "telefon",
           "telefon no", "telefon numarası", "cep", "cep telefonu", "cep tel"), kind="phone"),
    Field("first_name", True, 255, N_("First name of the addressee (at most 255 characters)."),
          ("first name", "firstname", "given name", "name", "ad", "adı", "isim", "alıcı adı")),
    Field("last_name", True, 255, N_("Last name of the addressee (at most 255 characters)."),
          ("last name", "lastname", "surname", "family name", "soyad", "soyadı", "soyisim",
           "alıcı soyadı")),
    Field("title", False, 128, N_("Title of the address, e.g. Home or Office (at most 128 characters)."),
          ("address title", "address name", "label", "adres başlığı", "adres adı", "başlık",
           "adres etiketi")),
    Field("line", True, 255, N_("Address line: street, number, flat (at most 255 characters)."),
          ("address", "address line", "address_line", "street", "street address", "adres",
           "açık adres", "adres satırı", "adres detayı")),
    Field("tax_office", False, 255, N_("Tax office, for legal entities."),
          ("tax office", "vergi dairesi", "vd")),
    Field("tax_no", False, 255, N_("Tax number, for legal entities."),
          ("tax number", "tax id", "vat", "vat number", "vergi no", "vergi numarası",
           "vergi kimlik no", "vkn", "tckn"), kind="digits"),
    Field("country", True, 255, N_("Country; must match a name in the location database."),
          ("country name", "ülke", "ulke", "ülke adı"), kind="location"),
    Field("city", True, 255, N_("City (il); must match the location database under its country."),
          ("province", "state", "il", "şehir", "sehir", "il adı"), kind="location"),
    Field("township", True, 255, N_("Township (ilçe); must match the location database under its city."),
          ("county", "town", "ilçe", "ilce", "ilçe adı"), kind="location"),
    Field("district", False, 255, N_("District (mahalle/köy); must match the database under its township."),
          ("neighbourhood", "neighborhood", "quarter", "mahalle", "mahalle adı", "semt", "köy",
           "mahalle/köy"), kind="location"),
    Field("company_name", False, 255, N_("Company name, for legal entities."),
          ("company", "company name", "firm", "firma", "firma adı", "şirket", "şirket adı",
           "unvan", "ünvan")),
)

#: Columns a merchant file may carry that are not Akinon fields but help fill them: read,
#: used, and never sent (an Akinon address has no postcode and no full-name field).
AUXILIARY: tuple[Field, ...] = (
    Field("postcode", False, None, N_("Postcode (posta kodu): settles places with the same name; not sent."),
          ("posta kodu", "posta_kodu", "postakodu", "post code", "postal code", "zip", "zip code", "zipcode",
           "pk", "p.k.")),
    Field("full_name", False, None, N_("Full name: split into first_name and last_name when they have no column."),
          ("full name", "fullname", "name surname", "ad soyad", "ad_soyad", "adı soyadı", "adi soyadi",
           "isim soyisim", "isim soyad", "müşteri adı", "müşteri adı soyadı", "alıcı adı soyadı"),
          kind="full_name"),
)

#: The forms a shop keeps its phone numbers in (``fix --phone-format``, the Check page).
PHONE_FORMATS: dict[str, str] = {
    "national": N_("05XXXXXXXXX (national, with the leading 0)"),
    "bare": N_("5XXXXXXXXX (ten digits, what Akinon's user migration documents)"),
    "e164": N_("+90XXXXXXXXXX (international, E.164)"),
}

COLUMNS: tuple[str, ...] = tuple(f.name for f in FIELDS)
#: The heading of each column in what a person downloads: Akinon's field name, and in Turkish
#: the Turkish word beside it (``city (il)``).
HEADINGS: dict[str, str] = {
    "user": N_("user"), "email": N_("email"), "phone_number": N_("phone_number"), "first_name": N_("first_name"),
    "last_name": N_("last_name"), "title": N_("title"), "line": N_("line"), "tax_office": N_("tax_office"),
    "tax_no": N_("tax_no"), "country": N_("country"), "city": N_("city"), "township": N_("township"),
    "district": N_("district"), "company_name": N_("company_name"), "postcode": N_("postcode"),
}


def heading(name: str) -> str:
    """The column ``name`` as a heading in the current language (other names as they are)."""
    return _(HEADINGS[name]) if name in HEADINGS else name
AUXILIARY_COLUMNS: tuple[str, ...] = tuple(f.name for f in AUXILIARY)
#: Every column the mapping can choose: the Akinon fields, then the auxiliary ones.
INPUT_FIELDS: tuple[Field, ...] = FIELDS + AUXILIARY
BY_NAME: dict[str, Field] = {f.name: f for f in INPUT_FIELDS}
REQUIRED: tuple[str, ...] = tuple(f.name for f in FIELDS if f.required)
LOCATION_LEVELS: tuple[str, ...] = ("country", "city", "township", "district")


def markdown_table() -> str:
    """The field table as Markdown, for the README and the app's help."""
    lines = ["| field | required | max length | description |", "|---|---|---|---|"]
    for f in FIELDS:
        lines.append(f"| `{f.name}` | {'yes' if f.required else 'no'} | {f.max_length or ''} | {f.description} |")
    return "\n".join(lines)
