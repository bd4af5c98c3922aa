"""The default label categories: about 20 business categories, each a set of WordNet nodes.

Data for :mod:`core.analysis.categories`, which offers it as ``categories.DEFAULT_CATEGORIES``. Each
node is written with its first WordNet name, for reading; ``tests/test_categories.py`` checks every
id and name against the shipped hierarchy, and lists where known labels land (every dog breed is an
animal, pizza is food and drink, a television is electronics and screens, …).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    """A business category: a name and the WordNet nodes whose descendants (and themselves) belong to it."""

    name: str
    nodes: dict[str, str]
    """WordNet id → its first name there (for reading; a test checks it against the hierarchy)."""


# fmt: off
DEFAULT_CATEGORIES: tuple[Category, ...] = (
    Category("people", {"n00007846": "person"}),
    Category("animal", {"n00015388": "animal"}),
    Category("food and drink", {"n00021265": "food", "n07555863": "food", "n07881800": "beverage"}),
    Category("plant", {"n00017222": "plant", "n13134947": "fruit", "n12992868": "fungus", "n13086908": "plant part"}),
    Category("vehicle", {
        "n04524313": "vehicle", "n03100490": "conveyance", "n02974003": "car wheel", "n02965783": "car mirror", "n03208938": "disk brake",
        "n04162706": "seat belt", "n03425413": "gas pump"
    }),
    Category("health and beauty", {
        "n04447443": "toiletry", "n03739693": "medical instrument", "n03937543": "pill bottle", "n02786058": "Band Aid", "n03814639": "neck brace",
        "n03141823": "crutch", "n03868863": "oxygen mask"
    }),
    Category("clothing and accessories", {
        "n03051540": "clothing", "n03380867": "footwear", "n03381126": "footwear", "n03597469": "jewelry", "n02769748": "backpack", "n04026417": "purse",
        "n04548362": "wallet", "n04356056": "sunglasses", "n04355933": "sunglass", "n04555897": "watch", "n03476684": "hair slide", "n04507155": "umbrella"
    }),
    Category("toys and games", {"n03964744": "plaything", "n04028315": "puzzle", "n04088797": "ride", "n04243546": "slot"}),
    Category("sports equipment", {
        "n04285146": "sports equipment", "n03414162": "game equipment", "n04285622": "sports implement", "n04228054": "ski", "n04019541": "puck"
    }),
    Category("musical instrument", {"n03800933": "musical instrument", "n03250847": "drumstick"}),
    Category("electronics and screens", {
        "n03278248": "electronic equipment", "n03082979": "computer", "n03277771": "electronic device", "n03269401": "electrical device",
        "n04400289": "telecommunication system", "n03078287": "communication system", "n03926148": "photographic equipment", "n04009552": "projector",
        "n04074963": "remote control", "n03744840": "memory device", "n03924679": "photocopier", "n03614007": "keyboard", "n04264628": "space bar",
        "n02978881": "cassette", "n03529860": "home theater"
    }),
    Category("home appliance", {"n02729837": "appliance", "n04330267": "stove", "n03271574": "electric fan"}),
    Category("kitchen and tableware", {
        "n03621049": "kitchen utensil", "n03101986": "cooking utensil", "n04381994": "tableware", "n03241496": "drinking vessel", "n03438257": "glass",
        "n02876657": "bottle", "n04183329": "shaker", "n03633091": "ladle", "n03950228": "pitcher", "n04332243": "strainer", "n03733805": "measuring cup",
        "n04476259": "tray"
    }),
    Category("furniture and furnishings", {
        "n03405725": "furniture", "n03405265": "furnishing", "n02820210": "bedclothes", "n03366823": "floor cover", "n03151500": "cushion",
        "n03636248": "lamp", "n04459362": "towel", "n02851099": "blind", "n04522168": "vase", "n02808440": "bathtub", "n04553703": "washbasin"
    }),
    Category("weapons and armor", {
        "n04565375": "weapon", "n02739668": "armor", "n02740764": "armor plate", "n03575691": "instrument of execution", "n04187061": "sheath"
    }),
    Category("tools and machinery", {
        "n04451818": "tool", "n03323703": "fastener", "n03322940": "farm machine", "n02966687": "carpenter's kit", "n02908217": "brush",
        "n03039947": "cleaning implement", "n03664675": "lifting device", "n03699975": "machine"
    }),
    Category("books and stationery", {
        "n04608567": "writing implement", "n03294833": "eraser", "n03908618": "pencil box", "n03908714": "pencil sharpener", "n03291819": "envelope",
        "n02840245": "binder", "n06596364": "comic book", "n07248320": "book jacket"
    }),
    Category("building and structure", {
        "n04341686": "structure", "n04105068": "roof", "n04191943": "shelter", "n03961939": "platform", "n04078574": "reservoir", "n03933933": "pier",
        "n06794110": "street sign", "n06874185": "traffic light"
    }),
    Category("nature and landscape", {"n09287968": "geological formation"}),
)
# fmt: on
"""In order: a class takes the first category that claims it. Specific nodes (a car wheel, a pill
bottle, a home theater) come with the category that should win over a broader one further down."""
