"""Words that tell what kind of name the model listed: countries and regions (places, even
where a small model lists them among organizations), demonyms ("Egyptian", "Israelis": an
adjective or a people, neither an organization nor a person), armed and political groups
that a small model lists among people ("Hamas"), and the words that end an organization's
name or a place's."""

from __future__ import annotations

import re

# Countries and the regions and blocs news names like countries, as English-language news
# writes them (CLDR's English names, with the everyday forms beside them).
COUNTRIES = {
    "Afghanistan", "Albania", "Algeria", "Andorra", "Angola", "Argentina", "Armenia",
    "Australia", "Austria", "Azerbaijan", "Bahamas", "Bahrain", "Bangladesh", "Barbados",
    "Belarus", "Belgium", "Belize", "Benin", "Bhutan", "Bolivia", "Bosnia", "Botswana",
    "Brazil", "Britain", "Great Britain", "Brunei", "Bulgaria", "Burkina Faso", "Burma",
    "Burundi", "Cambodia", "Cameroon", "Canada", "Cape Verde", "Central African Republic",
    "Chile", "China", "Colombia", "Comoros", "Congo", "Costa Rica", "Croatia", "Cuba",
    "Curacao", "Curaçao", "Cyprus", "Czech Republic", "Czechia", "Denmark", "Djibouti",
    "Dominica", "Dominican Republic", "East Timor", "Ecuador", "Egypt", "El Salvador",
    "England", "Equatorial Guinea", "Eritrea", "Estonia", "Eswatini", "Ethiopia", "Fiji",
    "Finland", "France", "Gabon", "Gambia", "Germany", "Ghana", "Greece", "Greenland",
    "Grenada", "Guatemala", "Guinea", "Guinea-Bissau", "Guyana", "Haiti", "Holland",
    "Honduras", "Hong Kong", "Hungary", "Iceland", "India", "Indonesia", "Iran", "Iraq",
    "Ireland", "Israel", "Italy", "Ivory Coast", "Jamaica", "Japan", "Kazakhstan", "Kenya",
    "Kiribati", "Kosovo", "Kuwait", "Kyrgyzstan", "Laos", "Latvia", "Lebanon", "Lesotho",
    "Liberia", "Libya", "Liechtenstein", "Lithuania", "Luxembourg", "Macau", "Madagascar",
    "Malawi", "Malaysia", "Maldives", "Mali", "Malta", "Mauritania", "Mauritius", "Mexico",
    "Micronesia", "Moldova", "Monaco", "Mongolia", "Montenegro", "Montserrat", "Morocco",
    "Mozambique", "Myanmar", "Namibia", "Nauru", "Nepal", "Netherlands", "New Zealand",
    "Nicaragua", "Niger", "Nigeria", "North Korea", "North Macedonia", "Northern Ireland",
    "Norway", "Oman", "Pakistan", "Palau", "Palestine", "Panama", "Papua New Guinea",
    "Paraguay", "Peru", "Philippines", "Poland", "Portugal", "Puerto Rico", "Qatar",
    "Republic of Ireland", "Romania", "Russia", "Rwanda", "Samoa", "San Marino",
    "Saudi Arabia", "Scotland", "Senegal", "Serbia", "Seychelles", "Sierra Leone",
    "Singapore", "Slovakia", "Slovenia", "Solomon Islands", "Somalia", "South Africa",
    "South Korea", "South Sudan", "Spain", "Sri Lanka", "Sudan", "Suriname", "Sweden",
    "Switzerland", "Syria", "Taiwan", "Tajikistan", "Tanzania", "Thailand", "Timor-Leste",
    "Togo", "Tonga", "Trinidad and Tobago", "Tunisia", "Turkey", "Türkiye", "Turkmenistan",
    "Tuvalu", "UAE", "UK", "U.K.", "U. K.", "Uganda", "Ukraine", "United Arab Emirates",
    "United Kingdom", "United States", "United States of America", "Uruguay", "US", "U.S.",
    "U. S.", "USA", "U.S.A.", "America", "Uzbekistan", "Vanuatu", "Vatican", "Vatican City",
    "Venezuela", "Vietnam", "Wales", "West Bank", "Gaza", "Gaza Strip", "Western Sahara",
    "Yemen", "Zambia", "Zimbabwe", "Europe", "Africa", "Asia", "North America",
    "South America", "Latin America", "Middle East", "Antarctica", "Oceania",
    "Scandinavia", "Balkans", "Caribbean", "Siberia",
}  # fmt: skip
# Country names that are also given names or surnames: a person listed so stays a person.
_ALSO_PEOPLE = {"Jordan", "Chad", "Georgia", "Jersey"}
# Nationalities, peoples and faiths, in the singular; plurals are found by their "s".
DEMONYMS = {
    "Afghan", "Albanian", "Algerian", "American", "Angolan", "Arab", "Arabian", "Argentine",
    "Argentinian", "Armenian", "Asian", "African", "Australian", "Austrian", "Azerbaijani",
    "Bahraini", "Bangladeshi", "Basque", "Belarusian", "Belgian", "Bolivian", "Bosnian",
    "Brazilian", "Brit", "British", "Briton", "Bulgarian", "Burmese", "Cambodian",
    "Cameroonian", "Canadian", "Catalan", "Chilean", "Chinese", "Colombian", "Congolese",
    "Croat", "Croatian", "Cuban", "Cypriot", "Czech", "Dane", "Danish", "Dutch",
    "Ecuadorian", "Egyptian", "Emirati", "English", "Eritrean", "Estonian", "Ethiopian",
    "European", "Filipino", "Finn", "Finnish", "Flemish", "French", "Georgian", "German",
    "Ghanaian", "Greek", "Haitian", "Hispanic", "Honduran", "Hungarian", "Icelandic",
    "Indian", "Indonesian", "Iranian", "Iraqi", "Irish", "Israeli", "Italian", "Ivorian",
    "Jamaican", "Japanese", "Jordanian", "Kazakh", "Kenyan", "Korean", "Kosovar", "Kurd",
    "Kurdish", "Kuwaiti", "Latino", "Latvian", "Lebanese", "Liberian", "Libyan",
    "Lithuanian", "Malaysian", "Malian", "Maltese", "Mexican", "Moldovan", "Mongolian",
    "Moroccan", "Nepalese", "Nigerian", "Norwegian", "Omani", "Pakistani", "Palestinian",
    "Panamanian", "Paraguayan", "Pashtun", "Persian", "Peruvian", "Pole", "Polish",
    "Portuguese", "Qatari", "Romanian", "Russian", "Rwandan", "Saudi", "Scot", "Scottish",
    "Senegalese", "Serb", "Serbian", "Singaporean", "Slovak", "Slovenian", "Somali",
    "Soviet", "Spaniard", "Spanish", "Sudanese", "Swede", "Swedish", "Swiss", "Syrian",
    "Taiwanese", "Tajik", "Tanzanian", "Thai", "Tunisian", "Turk", "Turkish", "Ugandan",
    "Ukrainian", "Uruguayan", "Uzbek", "Venezuelan", "Vietnamese", "Welsh", "Yemeni",
    "Zambian", "Zimbabwean", "Baloch", "Druze", "Alawite", "Yazidi", "Sunni", "Shia",
    "Shiite", "Christian", "Muslim", "Jew", "Jewish", "Catholic", "Protestant", "Hindu",
    "Buddhist", "Sikh", "Israeli-Palestinian", "Iranian-backed", "Western",
}  # fmt: skip
# Armed and political groups a small model lists among people.
GROUPS = {
    "Hamas", "Hezbollah", "Hizbollah", "ISIS", "ISIL", "Islamic State", "Daesh", "Taliban",
    "al-Qaeda", "al Qaeda", "Al Qaeda", "Al-Qaeda", "al-Shabaab", "Al-Shabaab",
    "Boko Haram", "Houthis", "Houthi", "Fatah", "PKK", "IRA", "Peshmerga",
    "Islamic Jihad", "Muslim Brotherhood", "Nusra Front", "Wagner", "Kataib Hezbollah",
}  # fmt: skip
# The last word of an organization's name that a place's name starts ("Manchester City",
# "Kuopio University Hospital", "Pottstown Mercury"): the place is not mentioned there.
NAME_CONTINUATIONS = {
    "city", "united", "town", "county", "rovers", "athletic", "albion", "wanderers",
    "fc", "university", "college", "hospital", "school", "times", "post", "mercury",
    "globe", "herald", "tribune", "chronicle", "gazette", "news", "telegraph", "journal",
    "star", "zoo", "metroparks", "police", "council", "department", "club", "marathon",
    "clippers", "lakers", "derby", "airport", "museum", "company", "corporation",
}  # fmt: skip
# A lower-case last word that makes a listed name a place ("Kurdish region").
PLACE_WORDS = {
    "region", "province", "state", "county", "district", "island", "islands", "coast",
    "valley", "strait", "sea", "river", "city", "town", "village", "peninsula", "border",
    "capital", "territory", "territories",
}  # fmt: skip
# Capitalized last words that make a listed name a thing (a plan, a law), not a body.
THING_WORDS = {
    "Framework", "Plan", "Act", "Accords", "Accord", "Deal", "Agreement", "Treaty",
    "Initiative", "Doctrine", "Programme", "Program", "Strategy", "Bill", "Protocol",
    "Cup", "Championship", "Championships", "Olympics", "Games", "Marathon", "Tournament",
    "Awards", "Festival", "Grand Prix", "Series",
}  # fmt: skip
# What a club's name stands before ("Chelsea youngster Jay Dasilva", "Hull manager Steve
# Bruce"): a name listed as a person or a place that the text writes so is a club.
CLUB_WORDS = {
    "manager", "boss", "coach", "midfielder", "striker", "defender", "goalkeeper", "keeper",
    "winger", "forward", "youngster", "duo", "trio", "side", "squad", "academy", "fans",
    "supporters", "chairman", "playmaker", "captain", "team-mate", "teammate", "loanee",
}  # fmt: skip


def is_country(name: str) -> bool:
    return _tidy(name) in _COUNTRY_KEYS


def is_demonym(word: str) -> bool:
    """ "Egyptian", "Israelis", "Pakistani": a nationality or a people, not a name."""
    if " " in word.strip():
        return False
    word = word.strip(" .,’'")
    for form in (
        word,
        word[:-1] if word.endswith("s") else "",
        word[:-2] if word.endswith("es") else "",
    ):
        if form in DEMONYMS:
            return True
    return False


def is_group(name: str) -> bool:
    return _tidy(name) in _GROUP_KEYS


def may_be_a_person(name: str) -> bool:
    """A country's name that is also a person's ("Jordan")."""
    return name.strip() in _ALSO_PEOPLE


def _tidy(name: str) -> str:
    """A name compared without case, spaces or dots: "U. S." is "US"."""
    return re.sub(r"[\s.]", "", name.removeprefix("the ").removeprefix("The ")).casefold()


_COUNTRY_KEYS = {_tidy(c) for c in COUNTRIES}
_GROUP_KEYS = {_tidy(g) for g in GROUPS}
