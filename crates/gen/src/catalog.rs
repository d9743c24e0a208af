//! What the parcels contain: the goods that cross-border e-commerce really ships, with their
//! 6-digit HS subheadings, typical declared values and weights, plus the restricted goods and
//! sanctioned-looking parties used for the generator's labelled anomalies.
//!
//! HS subheadings follow the HS 2022 nomenclature (e.g. smartphones are 851713, not the
//! pre-2022 851712; LED luminaires use the 2022 split of heading 9405).

/// A product line sold online, as it appears on a manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Product {
    /// 6-digit Harmonized System subheading, digits only (e.g. "610910").
    pub hs6: &'static str,
    /// Description as a careful shipper writes it (precise, English, e.g. "Men's cotton T-shirt").
    pub description: &'static str,
    /// A short SKU stem, upper-case letters, 3-5 chars (e.g. "TSH").
    pub sku_stem: &'static str,
    /// Typical declared unit value range in euro cents (min, max), realistic for Temu/Shein/AliExpress-type goods.
    pub unit_value_cents: (u32, u32),
    /// Typical unit gross weight range in grams (min, max).
    pub unit_weight_g: (u32, u32),
    /// Relative popularity (higher = more common). Apparel, phone accessories, small electronics, home goods dominate.
    pub popularity: u32,
}

/// Compact constructor so the tables below stay one line per product.
const fn p(
    hs6: &'static str,
    description: &'static str,
    sku_stem: &'static str,
    unit_value_cents: (u32, u32),
    unit_weight_g: (u32, u32),
    popularity: u32,
) -> Product {
    Product {
        hs6,
        description,
        sku_stem,
        unit_value_cents,
        unit_weight_g,
        popularity,
    }
}

/// Ordinary goods: about 80 products spread over apparel (chapters 61, 62, 64, 42), phone
/// accessories and small electronics (85, 84), toys (95), home and kitchen (39, 73, 69, 63, 94),
/// beauty (33, 96), jewellery (71 imitation), sports, stationery, car accessories, tools, etc.
pub static PRODUCTS: &[Product] = &[
    // --- Apparel, knitted (chapter 61) ---
    p(
        "610910",
        "Men's cotton crew-neck T-shirt, knitted, short sleeve",
        "TSH",
        (250, 1200),
        (140, 250),
        100,
    ),
    p(
        "610990",
        "Women's polyester crop top, knitted",
        "TOP",
        (200, 900),
        (70, 180),
        80,
    ),
    p(
        "611030",
        "Women's pullover sweater, knitted, 100% acrylic",
        "SWT",
        (800, 2500),
        (300, 600),
        60,
    ),
    p(
        "611020",
        "Unisex cotton hooded sweatshirt, knitted",
        "HOOD",
        (900, 2500),
        (400, 750),
        70,
    ),
    p(
        "610463",
        "Women's leggings, knitted, polyester/elastane",
        "LEG",
        (300, 1200),
        (150, 300),
        70,
    ),
    p(
        "610443",
        "Women's summer dress, knitted, polyester",
        "DRS",
        (600, 2500),
        (150, 400),
        80,
    ),
    p(
        "610230",
        "Women's hooded fleece jacket, knitted, polyester",
        "JKT",
        (1200, 3500),
        (400, 800),
        30,
    ),
    p(
        "611596",
        "Men's socks, knitted, polyester, pack of 5 pairs",
        "SOCK",
        (200, 800),
        (100, 250),
        75,
    ),
    p(
        "610821",
        "Women's cotton briefs, knitted, pack of 3",
        "BRF",
        (200, 900),
        (60, 150),
        55,
    ),
    p(
        "611241",
        "Women's one-piece swimsuit, knitted, polyamide/elastane",
        "SWIM",
        (500, 2200),
        (100, 250),
        40,
    ),
    p(
        "611693",
        "Touchscreen gloves, knitted, acrylic",
        "GLV",
        (150, 600),
        (40, 90),
        25,
    ),
    // --- Apparel, woven (chapter 62) and headgear ---
    p(
        "620443",
        "Women's chiffon dress, woven, polyester",
        "CDR",
        (900, 3500),
        (200, 450),
        50,
    ),
    p(
        "620342",
        "Men's cotton denim jeans, woven",
        "JNS",
        (1200, 3500),
        (500, 800),
        45,
    ),
    p(
        "620462",
        "Women's cotton wide-leg trousers, woven",
        "WTR",
        (900, 2800),
        (300, 600),
        35,
    ),
    p(
        "620520",
        "Men's long-sleeve cotton shirt, woven",
        "SHRT",
        (800, 2200),
        (200, 350),
        35,
    ),
    p(
        "621210",
        "Women's underwired brassiere, polyamide",
        "BRA",
        (300, 1500),
        (60, 150),
        45,
    ),
    p(
        "621430",
        "Women's scarf, woven, polyester",
        "SCF",
        (200, 900),
        (80, 200),
        30,
    ),
    p(
        "650500",
        "Baseball cap, cotton twill, adjustable strap",
        "CAP",
        (200, 900),
        (60, 130),
        40,
    ),
    // --- Footwear (chapter 64) ---
    p(
        "640411",
        "Men's running shoes, textile upper, rubber outer sole",
        "RUN",
        (1500, 4500),
        (500, 900),
        50,
    ),
    p(
        "640419",
        "Women's canvas sneakers, textile upper, rubber outer sole",
        "CNV",
        (1000, 2800),
        (500, 800),
        35,
    ),
    p(
        "640299",
        "Unisex EVA slide sandals, plastic upper and sole",
        "SLD",
        (200, 1000),
        (200, 400),
        45,
    ),
    p(
        "640220",
        "Rubber flip-flops, toe-post fixed by plugs",
        "FLIP",
        (100, 500),
        (150, 300),
        30,
    ),
    p(
        "640391",
        "Men's leather ankle boots, rubber outer sole",
        "BOOT",
        (2500, 6000),
        (900, 1600),
        15,
    ),
    // --- Bags and leather goods (chapter 42) ---
    p(
        "420222",
        "Women's handbag, outer surface of PU-coated textile",
        "HBAG",
        (800, 3000),
        (400, 900),
        50,
    ),
    p(
        "420232",
        "Wallet, outer surface of PU plastic sheeting",
        "WLT",
        (300, 1200),
        (80, 200),
        40,
    ),
    p(
        "420292",
        "Backpack, outer surface of polyester textile",
        "BPK",
        (1000, 3500),
        (400, 900),
        40,
    ),
    p(
        "420292",
        "Cosmetic pouch, outer surface of polyester textile",
        "CBAG",
        (200, 800),
        (50, 150),
        25,
    ),
    p(
        "420330",
        "Men's leather belt with metal buckle",
        "BELT",
        (500, 1800),
        (120, 250),
        20,
    ),
    p(
        "420100",
        "Dog leash and collar set, nylon webbing",
        "LEASH",
        (300, 1500),
        (100, 300),
        20,
    ),
    // --- Phone accessories and small electronics (chapters 85, 84, 70, 39) ---
    p(
        "392690",
        "Smartphone case, TPU, snap-on back cover",
        "CASE",
        (100, 600),
        (20, 50),
        100,
    ),
    p(
        "700719",
        "Tempered glass screen protector for smartphone",
        "SCRN",
        (50, 400),
        (20, 60),
        80,
    ),
    p(
        "854442",
        "USB-C to USB-C charging cable, 1 m, fitted with connectors",
        "CBL",
        (100, 700),
        (30, 80),
        90,
    ),
    p(
        "850440",
        "USB-C wall charger 20 W (static converter)",
        "CHG",
        (300, 1500),
        (40, 120),
        80,
    ),
    p(
        "851830",
        "Bluetooth wireless earbuds with charging case",
        "EBUD",
        (500, 3000),
        (40, 90),
        85,
    ),
    p(
        "851830",
        "Over-ear wireless headphones, Bluetooth",
        "HPH",
        (1200, 4500),
        (200, 350),
        35,
    ),
    p(
        "851762",
        "Smart watch with heart-rate sensor, Bluetooth",
        "SWCH",
        (1200, 6000),
        (50, 120),
        50,
    ),
    p(
        "850760",
        "Power bank 10000 mAh, lithium-ion, in retail box",
        "PWB",
        (800, 2500),
        (180, 300),
        25,
    ),
    p(
        "851821",
        "Portable Bluetooth speaker, single driver, rechargeable",
        "SPK",
        (800, 3500),
        (200, 600),
        30,
    ),
    p(
        "852351",
        "USB flash drive 64 GB (solid-state storage)",
        "USB",
        (300, 1500),
        (20, 40),
        30,
    ),
    p(
        "852351",
        "microSD memory card 128 GB with adapter",
        "MSD",
        (400, 2000),
        (20, 30),
        25,
    ),
    p(
        "847160",
        "Wireless optical computer mouse, 2.4 GHz",
        "MOUS",
        (300, 1500),
        (70, 130),
        30,
    ),
    p(
        "962000",
        "Selfie stick tripod with Bluetooth remote",
        "TRIP",
        (400, 1800),
        (150, 400),
        35,
    ),
    p(
        "852589",
        "Wi-Fi indoor security camera, 1080p",
        "CAM",
        (1200, 3500),
        (150, 350),
        25,
    ),
    p(
        "853669",
        "Universal travel plug adapter with USB ports",
        "ADP",
        (300, 1500),
        (80, 200),
        25,
    ),
    p(
        "950450",
        "Wireless game controller for PC and consoles",
        "GPAD",
        (1000, 3000),
        (180, 300),
        25,
    ),
    p(
        "910211",
        "Men's quartz analogue wristwatch, stainless steel case",
        "WTCH",
        (500, 3000),
        (60, 150),
        30,
    ),
    p(
        "911390",
        "Silicone watch strap, 22 mm",
        "STRP",
        (100, 500),
        (20, 40),
        20,
    ),
    p(
        "900410",
        "Sunglasses, plastic frame, UV400 lenses",
        "SUNG",
        (200, 1200),
        (30, 80),
        40,
    ),
    // --- Small household appliances and lighting ---
    p(
        "851631",
        "Hair dryer 1800 W, foldable handle",
        "HDRY",
        (1000, 3000),
        (400, 700),
        20,
    ),
    p(
        "851632",
        "Ceramic hair straightener, electric",
        "HSTR",
        (800, 2500),
        (300, 500),
        25,
    ),
    p(
        "850980",
        "Sonic electric toothbrush, rechargeable",
        "ETB",
        (500, 2500),
        (100, 250),
        20,
    ),
    p(
        "851020",
        "Cordless electric hair clipper",
        "CLIP",
        (800, 2500),
        (200, 400),
        15,
    ),
    p(
        "841459",
        "Handheld rechargeable mini fan, USB",
        "FAN",
        (200, 1000),
        (100, 250),
        30,
    ),
    p(
        "940542",
        "LED strip lights 5 m with remote control",
        "LED",
        (400, 1800),
        (150, 350),
        40,
    ),
    p(
        "940521",
        "LED desk lamp, touch dimmer",
        "LAMP",
        (1000, 3000),
        (400, 900),
        20,
    ),
    p(
        "853952",
        "LED light bulb E27, 9 W",
        "BULB",
        (100, 500),
        (30, 70),
        15,
    ),
    p(
        "842310",
        "Digital kitchen scale, 5 kg capacity",
        "SCAL",
        (500, 1500),
        (300, 600),
        15,
    ),
    p(
        "902519",
        "Digital food thermometer with probe",
        "THRM",
        (200, 900),
        (30, 80),
        12,
    ),
    p(
        "850610",
        "AA alkaline batteries, pack of 4",
        "BATT",
        (100, 400),
        (90, 120),
        20,
    ),
    // --- Toys and festive articles (chapter 95) ---
    p(
        "950300",
        "Plush toy, stuffed animal, polyester",
        "PLSH",
        (200, 1500),
        (100, 400),
        60,
    ),
    p(
        "950300",
        "Plastic building-brick construction set",
        "BRCK",
        (500, 3000),
        (200, 800),
        45,
    ),
    p(
        "950300",
        "Remote-controlled toy car, battery-operated",
        "RCC",
        (800, 3000),
        (300, 700),
        25,
    ),
    p(
        "950300",
        "Jigsaw puzzle, 1000 pieces, cardboard",
        "PZL",
        (300, 1200),
        (400, 700),
        15,
    ),
    p(
        "950440",
        "Playing cards, plastic-coated, single deck",
        "CARD",
        (100, 400),
        (80, 120),
        10,
    ),
    p(
        "950510",
        "Christmas tree baubles, plastic, set of 24",
        "XMS",
        (300, 1500),
        (150, 500),
        20,
    ),
    // --- Home and kitchen (chapters 39, 73, 69, 70, 63, 94, 96) ---
    p(
        "392410",
        "Silicone kitchen utensil set (spatula, brush, spoon)",
        "UTN",
        (300, 1500),
        (150, 500),
        40,
    ),
    p(
        "392490",
        "Plastic household storage box with lid",
        "BOX",
        (200, 1000),
        (150, 500),
        35,
    ),
    p(
        "732393",
        "Stainless steel mixing bowl",
        "BOWL",
        (300, 1200),
        (200, 600),
        15,
    ),
    p(
        "961700",
        "Vacuum-insulated stainless steel water bottle 500 ml",
        "BTL",
        (400, 1800),
        (250, 450),
        45,
    ),
    p(
        "691200",
        "Stoneware coffee mug 350 ml",
        "MUG",
        (200, 1000),
        (300, 450),
        30,
    ),
    p(
        "821000",
        "Hand-operated garlic press, zinc alloy",
        "GARL",
        (200, 800),
        (150, 300),
        10,
    ),
    p(
        "701337",
        "Drinking glasses, soda-lime glass, set of 2",
        "GLS",
        (300, 1200),
        (400, 800),
        10,
    ),
    p(
        "630260",
        "Cotton terry bath towel, 70 x 140 cm",
        "TWL",
        (300, 1500),
        (300, 700),
        25,
    ),
    p(
        "630231",
        "Cotton bed sheet set, double",
        "SHT",
        (1200, 3500),
        (800, 1600),
        15,
    ),
    p(
        "630493",
        "Cushion cover, woven polyester, 45 x 45 cm",
        "CUSH",
        (100, 600),
        (60, 150),
        25,
    ),
    p(
        "630392",
        "Blackout curtain panel, woven polyester",
        "CRT",
        (500, 2000),
        (500, 1200),
        15,
    ),
    p(
        "940490",
        "Memory foam pillow with polyester cover",
        "PILW",
        (800, 2500),
        (600, 1400),
        10,
    ),
    p(
        "391990",
        "Self-adhesive PVC wall decal",
        "DECL",
        (100, 600),
        (50, 200),
        20,
    ),
    p(
        "670210",
        "Artificial flower bouquet, plastic",
        "FLWR",
        (200, 1200),
        (50, 250),
        20,
    ),
    p(
        "340600",
        "Scented soy wax candle in glass jar",
        "CNDL",
        (300, 1500),
        (200, 450),
        20,
    ),
    p(
        "441490",
        "Wooden photo frame, 10 x 15 cm",
        "FRM",
        (200, 900),
        (150, 400),
        10,
    ),
    p(
        "830110",
        "Combination padlock, zinc alloy",
        "LOCK",
        (200, 900),
        (80, 200),
        10,
    ),
    p(
        "660191",
        "Folding umbrella with telescopic shaft",
        "UMB",
        (400, 1500),
        (250, 450),
        20,
    ),
    // --- Beauty (chapters 33, 67, 96) ---
    p(
        "330499",
        "Hydrating facial serum 30 ml, cosmetic",
        "SRM",
        (200, 1500),
        (60, 120),
        50,
    ),
    p(
        "330420",
        "Mascara, black, 10 ml",
        "MSC",
        (100, 800),
        (20, 40),
        40,
    ),
    p(
        "330410",
        "Matte liquid lipstick",
        "LIP",
        (100, 800),
        (20, 40),
        45,
    ),
    p(
        "330430",
        "Gel nail polish 10 ml",
        "NAIL",
        (100, 500),
        (20, 40),
        40,
    ),
    p(
        "960330",
        "Make-up brush set, synthetic bristles",
        "BRSH",
        (200, 1200),
        (80, 250),
        35,
    ),
    p(
        "961511",
        "Hair claw clips, plastic, set of 4",
        "CLAW",
        (100, 500),
        (20, 80),
        45,
    ),
    p(
        "670419",
        "False eyelashes, synthetic fibre, 10 pairs",
        "EYL",
        (100, 500),
        (20, 40),
        35,
    ),
    p(
        "670411",
        "Complete wig, synthetic fibre, shoulder length",
        "WIG",
        (800, 3000),
        (150, 300),
        15,
    ),
    // --- Imitation jewellery (chapter 71) ---
    p(
        "711719",
        "Necklace, gold-plated stainless steel, imitation jewellery",
        "NECK",
        (100, 1200),
        (20, 60),
        70,
    ),
    p(
        "711719",
        "Hoop earrings, base metal, imitation jewellery",
        "EAR",
        (100, 800),
        (20, 40),
        60,
    ),
    p(
        "711790",
        "Beaded bracelet, glass and acrylic beads, imitation jewellery",
        "BRCL",
        (100, 600),
        (20, 50),
        35,
    ),
    // --- Sports and leisure ---
    p(
        "950691",
        "Yoga mat, TPE, 6 mm",
        "YOGA",
        (800, 2500),
        (800, 1500),
        20,
    ),
    p(
        "950691",
        "Latex resistance bands, set of 5",
        "BAND",
        (300, 1200),
        (100, 300),
        25,
    ),
    p(
        "900490",
        "Anti-fog swimming goggles",
        "GOGL",
        (200, 900),
        (50, 120),
        15,
    ),
    p(
        "950790",
        "Fishing lures assortment with tackle box",
        "LURE",
        (200, 1200),
        (50, 300),
        15,
    ),
    p(
        "851210",
        "Rechargeable LED bicycle light set",
        "BLT",
        (300, 1500),
        (80, 200),
        20,
    ),
    // --- Stationery ---
    p(
        "960810",
        "Ballpoint pens, pack of 10",
        "PEN",
        (100, 500),
        (60, 150),
        25,
    ),
    p(
        "960820",
        "Acrylic paint markers, set of 24",
        "MRK",
        (400, 1500),
        (200, 450),
        20,
    ),
    p(
        "482010",
        "A5 dotted notebook, hardcover",
        "NTBK",
        (200, 1000),
        (200, 400),
        20,
    ),
    // --- Car accessories ---
    p(
        "392690",
        "Smartphone car air-vent mount, plastic",
        "HLDR",
        (200, 900),
        (50, 150),
        40,
    ),
    p(
        "850440",
        "Dual USB car charger for 12 V socket",
        "CCHG",
        (200, 900),
        (30, 60),
        30,
    ),
    p(
        "852589",
        "Dashboard camera 1080p for cars",
        "DCAM",
        (1500, 4000),
        (100, 250),
        15,
    ),
    p(
        "841480",
        "Portable electric tyre inflator, 12 V",
        "INFL",
        (1500, 4000),
        (500, 1200),
        10,
    ),
    // --- Tools ---
    p(
        "820540",
        "Precision screwdriver set for electronics repair",
        "SCRW",
        (300, 1500),
        (150, 400),
        20,
    ),
    p(
        "901780",
        "Tape measure 5 m, steel blade",
        "TAPE",
        (200, 800),
        (150, 300),
        15,
    ),
    p(
        "903031",
        "Digital multimeter, without recording device",
        "DMM",
        (800, 2500),
        (200, 400),
        10,
    ),
    p(
        "846721",
        "Cordless electric drill 12 V with battery",
        "DRIL",
        (2000, 5000),
        (1000, 1900),
        8,
    ),
    p(
        "851511",
        "Electric soldering iron 60 W, adjustable temperature",
        "SOLD",
        (500, 1800),
        (150, 400),
        8,
    ),
    // --- Higher-value electronics (rare) ---
    p(
        "851713",
        "Smartphone 6.5-inch, 128 GB, dual SIM",
        "PHN",
        (6000, 12000),
        (300, 450),
        5,
    ),
];

/// Restricted or prohibited goods that occasionally appear in e-commerce parcels (knives with
/// fixed blades, replica/airsoft guns, prescription medicines, e-cigarette liquid with nicotine,
/// loose lithium-ion cells, laser pointers, seeds/plants, pepper spray, counterfeit-prone branded
/// items are NOT needed). About 10 entries, correct HS subheadings, each with a precise description.
pub static RESTRICTED: &[Product] = &[
    p(
        "821192",
        "Fixed-blade hunting knife, 20 cm blade, with sheath",
        "KNFE",
        (1000, 4000),
        (200, 400),
        20,
    ),
    p(
        "821193",
        "Butterfly knife (balisong), folding blade, stainless steel",
        "BALI",
        (500, 2000),
        (150, 250),
        10,
    ),
    p(
        "930400",
        "Airsoft pistol, gas-operated, 6 mm BB, metal slide",
        "AIRS",
        (2500, 9000),
        (600, 1200),
        10,
    ),
    p(
        "930400",
        "Pepper spray (OC) self-defence canister, 40 ml",
        "PEPR",
        (300, 1200),
        (60, 100),
        15,
    ),
    p(
        "300490",
        "Sildenafil citrate 100 mg film-coated tablets, prescription medicine",
        "MEDS",
        (300, 2500),
        (20, 60),
        20,
    ),
    p(
        "240412",
        "Nicotine salt e-liquid 30 ml bottle, 50 mg/ml nicotine",
        "ELIQ",
        (200, 800),
        (40, 70),
        20,
    ),
    p(
        "850760",
        "Loose 18650 lithium-ion cells 3.7 V 3000 mAh, unpackaged",
        "CELL",
        (200, 600),
        (45, 50),
        15,
    ),
    p(
        "901320",
        "Green laser pointer 1000 mW, Class 4",
        "LASR",
        (500, 2500),
        (80, 200),
        10,
    ),
    p(
        "120930",
        "Flower seeds, assorted, in unlabelled packets",
        "SEED",
        (100, 500),
        (20, 50),
        15,
    ),
    p(
        "060290",
        "Rooted succulent plants with soil, live",
        "PLNT",
        (200, 1500),
        (50, 300),
        10,
    ),
    p(
        "902511",
        "Clinical thermometer, glass, mercury-filled",
        "MERC",
        (100, 500),
        (20, 40),
        5,
    ),
    p(
        "330499",
        "Skin-lightening cream containing mercury compounds",
        "WHTN",
        (200, 1500),
        (40, 120),
        10,
    ),
];

/// A goods description that does not match its declared HS subheading in a way customs looks for
/// (e.g. "Power bank 20000mAh lithium battery" declared under 392690 plastics; "Bluetooth earbuds"
/// under 392690; "Smart watch" under 711719 imitation jewellery). About 10 entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Misdeclared {
    /// The HS subheading written on the declaration.
    pub declared_hs6: &'static str,
    /// The goods description, which betrays what the goods really are.
    pub description: &'static str,
    /// The subheading the goods actually belong to.
    pub true_hs6: &'static str,
}

pub static MISDECLARED: &[Misdeclared] = &[
    Misdeclared {
        declared_hs6: "392690",
        description: "Power bank 20000mAh lithium-ion battery",
        true_hs6: "850760",
    },
    Misdeclared {
        declared_hs6: "392690",
        description: "Bluetooth wireless earbuds with charging case",
        true_hs6: "851830",
    },
    Misdeclared {
        declared_hs6: "711719",
        description: "Smart watch with heart-rate monitor, Bluetooth",
        true_hs6: "851762",
    },
    Misdeclared {
        declared_hs6: "950300",
        description: "18650 lithium-ion rechargeable cells, 3.7 V",
        true_hs6: "850760",
    },
    Misdeclared {
        declared_hs6: "630790",
        description: "Women's running shoes, textile upper, rubber sole",
        true_hs6: "640411",
    },
    Misdeclared {
        declared_hs6: "392410",
        description: "Stainless steel vacuum flask 750 ml",
        true_hs6: "961700",
    },
    Misdeclared {
        declared_hs6: "330790",
        description: "Nicotine e-liquid 10 ml, 20 mg/ml",
        true_hs6: "240412",
    },
    Misdeclared {
        declared_hs6: "854442",
        description: "USB-C GaN wall charger 65 W",
        true_hs6: "850440",
    },
    Misdeclared {
        declared_hs6: "330499",
        description: "Vitamin D3 and K2 food supplement capsules",
        true_hs6: "210690",
    },
    Misdeclared {
        declared_hs6: "961511",
        description: "Ceramic hair straightener, electric",
        true_hs6: "851632",
    },
    Misdeclared {
        declared_hs6: "950300",
        description: "Fixed-blade hunting knife with sheath",
        true_hs6: "821192",
    },
    Misdeclared {
        declared_hs6: "392690",
        description: "Green laser pointer 1000 mW",
        true_hs6: "901320",
    },
    Misdeclared {
        declared_hs6: "610910",
        description: "Women's genuine leather handbag",
        true_hs6: "420221",
    },
    Misdeclared {
        declared_hs6: "392690",
        description: "Smartphone 6.7-inch, 256 GB",
        true_hs6: "851713",
    },
];

/// A party name modelled on a PUBLIC EU or UN sanctions-list ENTITY (companies/organisations only,
/// not natural persons), with the list it appears on and a few realistic spelling variants
/// (typo, transliteration, reordered tokens, company-form changes like "LLC"/"OOO"/"Co., Ltd").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SanctionedLike {
    /// The entity name as published on the list.
    pub listed_name: &'static str,
    /// The list or regime it appears on (e.g. "UN 1718", "EU 269/2014").
    pub list: &'static str,
    /// Country of the entity, ISO 3166-1 alpha-2.
    pub country_iso2: &'static str,
    /// Spelling variants a manifest might carry instead of the listed name.
    pub variants: &'static [&'static str],
}

/// About 12 entries, e.g. entities from the UN DPRK list, EU Russia/Belarus regimes, EU Iran regime.
/// Use only names you are confident are on public lists; note the regime in `list` (e.g. "EU 269/2014", "UN 1718").
pub static SANCTIONED_LIKE: &[SanctionedLike] = &[
    // --- UN Security Council 1718 Committee (DPRK) ---
    SanctionedLike {
        listed_name: "Korea Mining Development Trading Corporation",
        list: "UN 1718",
        country_iso2: "KP",
        variants: &[
            "Korea Minning Development Trading Corp.",
            "KOMID",
            "Korea Mining Development Trading Co., Ltd",
            "Changgwang Sinyong Corporation",
        ],
    },
    SanctionedLike {
        listed_name: "Tanchon Commercial Bank",
        list: "UN 1718",
        country_iso2: "KP",
        variants: &[
            "Tanchon Commerical Bank",
            "Commercial Bank of Tanchon",
            "Tanchon Commercial Bank Co., Ltd",
            "Changgwang Credit Bank",
        ],
    },
    SanctionedLike {
        listed_name: "Korea Ryonbong General Corporation",
        list: "UN 1718",
        country_iso2: "KP",
        variants: &[
            "Korea Ryongbong General Corp.",
            "Korea Yonbong General Corporation",
            "Ryonbong General Corporation Korea",
            "Korea Ryonbong General Co., Ltd",
        ],
    },
    SanctionedLike {
        listed_name: "Ocean Maritime Management Company, Limited",
        list: "UN 1718",
        country_iso2: "KP",
        variants: &[
            "Ocean Maritime Managment Co., Ltd",
            "OMM",
            "Ocean Maritime Mgmt Company Ltd",
            "Maritime Management Ocean Co. Limited",
        ],
    },
    SanctionedLike {
        listed_name: "Namchongang Trading Corporation",
        list: "UN 1718",
        country_iso2: "KP",
        variants: &[
            "Nam Chon Gang Trading Corp.",
            "Namchongang Trading Co., Ltd",
            "Namchongang Tradng Corporation",
            "NCG Trading Corporation",
        ],
    },
    SanctionedLike {
        listed_name: "Green Pine Associated Corporation",
        list: "UN 1718",
        country_iso2: "KP",
        variants: &[
            "Green Pine Associated Corp.",
            "Green Pine Association Corporation",
            "Chongsong Yonhap",
            "Green Pines Associated Co., Ltd",
        ],
    },
    // --- UN Security Council 1267/1989/2253 (ISIL (Da'esh) and Al-Qaida) ---
    SanctionedLike {
        listed_name: "Al Rashid Trust",
        list: "UN 1267",
        country_iso2: "PK",
        variants: &[
            "Al-Rasheed Trust",
            "Rashid Trust (Al)",
            "Al Rashid Trust Welfare Society",
            "Al-Rashid Trst",
        ],
    },
    // --- EU, Russia / Ukraine territorial-integrity regime ---
    SanctionedLike {
        listed_name: "Almaz-Antey Corp",
        list: "EU 269/2014",
        country_iso2: "RU",
        variants: &[
            "JSC Concern VKO Almaz-Antey",
            "Almaz Antey JSC",
            "Concern Almaz-Antei",
            "AO Kontsern VKO Almaz-Antey",
        ],
    },
    SanctionedLike {
        listed_name: "Bank Rossiya",
        list: "EU 269/2014",
        country_iso2: "RU",
        variants: &[
            "AB Rossiya JSC",
            "Joint Stock Company Bank Rossia",
            "Rossiya Bank AO",
            "Bank Rosiya",
        ],
    },
    SanctionedLike {
        listed_name: "Shahed Aviation Industries",
        list: "EU 269/2014",
        country_iso2: "IR",
        variants: &[
            "Shahed Aviation Industries Research Center",
            "Shahed Aviaton Industries",
            "Shahed Aviation Industry Co.",
            "Aviation Industries Shahed LLC",
        ],
    },
    // --- EU global human rights sanctions regime ---
    SanctionedLike {
        listed_name: "Wagner Group",
        list: "EU 2020/1998",
        country_iso2: "RU",
        variants: &[
            "PMC Wagner",
            "Wagner Group LLC",
            "ChVK Vagner",
            "OOO Gruppa Vagnera",
        ],
    },
    // --- EU Iran (non-proliferation) regime ---
    SanctionedLike {
        listed_name: "Shahid Hemmat Industrial Group",
        list: "EU 267/2012",
        country_iso2: "IR",
        variants: &[
            "Shahid Hemat Industrial Group",
            "SHIG",
            "Shahid Hemmat Industries Group Co.",
            "Hemmat Shahid Industrial Group",
        ],
    },
    // --- EU Belarus regime ---
    SanctionedLike {
        listed_name: "Belavia Belarusian Airlines",
        list: "EU 765/2006",
        country_iso2: "BY",
        variants: &[
            "OAO Belavia",
            "Belavia Belarussian Airlines JSC",
            "Belaviya Airlines",
            "Belarusian Airlines Belavia",
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn is_hs6(s: &str) -> bool {
        s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit())
    }

    fn check_product(prod: &Product) {
        assert!(
            is_hs6(prod.hs6),
            "bad hs6 {:?} for {:?}",
            prod.hs6,
            prod.description
        );
        assert!(
            !prod.description.trim().is_empty(),
            "empty description for {:?}",
            prod.sku_stem
        );
        let n = prod.sku_stem.len();
        assert!(
            (3..=5).contains(&n) && prod.sku_stem.bytes().all(|b| b.is_ascii_uppercase()),
            "bad sku stem {:?}",
            prod.sku_stem
        );
        let (vmin, vmax) = prod.unit_value_cents;
        assert!(
            vmin > 0 && vmin <= vmax,
            "bad value range for {:?}",
            prod.description
        );
        let (wmin, wmax) = prod.unit_weight_g;
        assert!(
            wmin > 0 && wmin <= wmax,
            "bad weight range for {:?}",
            prod.description
        );
        assert!(
            prod.popularity > 0,
            "zero popularity for {:?}",
            prod.description
        );
    }

    #[test]
    fn products_are_well_formed() {
        assert!(PRODUCTS.len() >= 60, "only {} products", PRODUCTS.len());
        for prod in PRODUCTS {
            check_product(prod);
        }
    }

    #[test]
    fn products_stay_within_small_parcel_bounds() {
        for prod in PRODUCTS {
            assert!(
                prod.unit_value_cents.1 <= 12_000,
                "too valuable: {:?}",
                prod.description
            );
            assert!(
                prod.unit_weight_g.0 >= 20 && prod.unit_weight_g.1 <= 2_000,
                "weight out of bounds: {:?}",
                prod.description
            );
        }
    }

    #[test]
    fn restricted_are_well_formed() {
        assert!(!RESTRICTED.is_empty());
        for prod in RESTRICTED {
            check_product(prod);
        }
    }

    #[test]
    fn sku_stems_are_unique() {
        let all: Vec<&str> = PRODUCTS
            .iter()
            .chain(RESTRICTED.iter())
            .map(|x| x.sku_stem)
            .collect();
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a, b, "duplicate sku stem {a}");
            }
        }
    }

    #[test]
    fn misdeclared_are_well_formed() {
        assert!(!MISDECLARED.is_empty());
        for m in MISDECLARED {
            assert!(
                is_hs6(m.declared_hs6),
                "bad declared hs6 {:?}",
                m.declared_hs6
            );
            assert!(is_hs6(m.true_hs6), "bad true hs6 {:?}", m.true_hs6);
            assert_ne!(
                m.declared_hs6, m.true_hs6,
                "not a misdeclaration: {:?}",
                m.description
            );
            assert!(!m.description.trim().is_empty());
        }
    }

    #[test]
    fn sanctioned_like_are_well_formed() {
        assert!(!SANCTIONED_LIKE.is_empty());
        for s in SANCTIONED_LIKE {
            assert!(!s.listed_name.trim().is_empty());
            assert!(!s.list.trim().is_empty());
            assert!(
                s.country_iso2.len() == 2 && s.country_iso2.bytes().all(|b| b.is_ascii_uppercase()),
                "bad country {:?}",
                s.country_iso2
            );
            assert!(
                s.variants.len() >= 2,
                "{} has fewer than 2 variants",
                s.listed_name
            );
            for v in s.variants {
                assert_ne!(*v, s.listed_name, "variant identical to listed name");
            }
        }
    }
}
