//! Consignee geography for the EU-27: population weights, cities with real postcode prefixes,
//! common names and street names, so generated addresses look like each country's real ones.
//!
//! Postcode formats (N = digit, A = upper-case letter, X = letter or digit, anything else literal):
//!
//! | Country                                | Format       |
//! |----------------------------------------|--------------|
//! | AT BE BG CY DK HU LU SI                | `NNNN`       |
//! | DE EE ES FI FR HR IT                   | `NNNNN`      |
//! | CZ GR SE SK                            | `NNN NN`     |
//! | IE (Eircode)                           | `ANN XXXX`   |
//! | LV                                     | `LV-NNNN`    |
//! | LT                                     | `LT-NNNNN`   |
//! | MT                                     | `AAA NNNN`   |
//! | NL                                     | `NNNN AA`    |
//! | PL                                     | `NN-NNN`     |
//! | PT                                     | `NNNN-NNN`   |
//! | RO                                     | `NNNNNN`     |
//!
//! Bulgarian, Greek and Cypriot names are given in Latin transliteration, as on shipping labels.

/// A city and the leading characters its real postcodes start with.
pub struct City {
    /// City name in the local language (UTF-8, with diacritics).
    pub name: &'static str,
    /// The real leading characters of this city's postcodes, in the country's format (see table above).
    pub postcode_prefix: &'static str,
    /// Relative weight (roughly the city's population in thousands).
    pub weight: u32,
}

/// One member state's data for generating consignees.
pub struct CountryGeo {
    /// ISO 3166-1 alpha-2 code, upper case.
    pub iso2: &'static str,
    /// Population in thousands (Eurostat 1 Jan 2024, rounded).
    pub population_k: u32,
    /// 5 to 8 cities.
    pub cities: &'static [City],
    /// 12 common first names (mix of genders), local spelling with diacritics.
    pub first_names: &'static [&'static str],
    /// 12 common family names, local spelling.
    pub last_names: &'static [&'static str],
    /// 8 common street names WITHOUT house number, local language.
    pub streets: &'static [&'static str],
    /// True where the house number comes before the street name ("12 rue de la Paix"),
    /// false where after ("Hauptstraße 12").
    pub number_first: bool,
}

const fn c(name: &'static str, postcode_prefix: &'static str, weight: u32) -> City {
    City { name, postcode_prefix, weight }
}

/// The EU-27 in alphabetical order of ISO code.
pub static EU27: [CountryGeo; 27] = [
    CountryGeo {
        iso2: "AT",
        population_k: 9_160,
        cities: &[
            c("Wien", "1", 2_000),
            c("Graz", "80", 300),
            c("Linz", "40", 210),
            c("Salzburg", "50", 157),
            c("Innsbruck", "60", 132),
            c("Klagenfurt am Wörthersee", "90", 104),
            c("Villach", "95", 65),
            c("Wels", "46", 64),
        ],
        first_names: &["Lukas", "Anna", "Maximilian", "Sophie", "Tobias", "Lena",
            "David", "Sarah", "Florian", "Julia", "Stefan", "Katharina"],
        last_names: &["Gruber", "Huber", "Bauer", "Wagner", "Müller", "Pichler",
            "Steiner", "Moser", "Mayer", "Hofer", "Leitner", "Berger"],
        streets: &["Hauptstraße", "Bahnhofstraße", "Kirchengasse", "Schulgasse",
            "Mariahilfer Straße", "Dorfstraße", "Landstraße", "Wiener Straße"],
        number_first: false,
    },
    CountryGeo {
        iso2: "BE",
        population_k: 11_800,
        cities: &[
            c("Bruxelles", "10", 1_220),
            c("Antwerpen", "20", 530),
            c("Gent", "90", 265),
            c("Charleroi", "60", 203),
            c("Liège", "40", 197),
            c("Brugge", "80", 119),
            c("Namur", "50", 113),
            c("Leuven", "30", 103),
        ],
        first_names: &["Lucas", "Emma", "Louis", "Olivia", "Noah", "Marie",
            "Arthur", "Louise", "Jan", "Sofie", "Thomas", "Julie"],
        last_names: &["Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems",
            "Claes", "Goossens", "Wouters", "Dubois", "Lambert", "Dupont"],
        streets: &["Kerkstraat", "Stationsstraat", "Dorpstraat", "Molenstraat",
            "Rue de la Station", "Rue de l'Église", "Chaussée de Bruxelles", "Rue Haute"],
        number_first: false,
    },
    CountryGeo {
        iso2: "BG",
        population_k: 6_440,
        cities: &[
            c("Sofia", "1", 1_250),
            c("Plovdiv", "40", 340),
            c("Varna", "90", 330),
            c("Burgas", "80", 200),
            c("Ruse", "70", 140),
            c("Stara Zagora", "60", 125),
            c("Pleven", "58", 92),
            c("Sliven", "88", 80),
        ],
        first_names: &["Georgi", "Maria", "Ivan", "Elena", "Dimitar", "Ivanka",
            "Nikolay", "Yordanka", "Petar", "Desislava", "Hristo", "Gergana"],
        last_names: &["Ivanov", "Georgiev", "Dimitrov", "Petrov", "Nikolov", "Hristov",
            "Stoyanov", "Todorov", "Iliev", "Vasilev", "Atanasov", "Petkov"],
        streets: &["ul. Vasil Levski", "bul. Tsar Osvoboditel", "ul. Georgi Rakovski", "bul. Vitosha",
            "ul. Hristo Botev", "ul. Shipka", "bul. Bulgaria", "ul. Graf Ignatiev"],
        number_first: false,
    },
    CountryGeo {
        iso2: "CY",
        population_k: 930,
        cities: &[
            c("Lefkosia", "10", 330),
            c("Lemesos", "30", 240),
            c("Larnaka", "60", 145),
            c("Pafos", "80", 95),
            c("Paralimni", "52", 16),
        ],
        first_names: &["Andreas", "Maria", "Georgios", "Eleni", "Christos", "Androulla",
            "Nikos", "Panayiota", "Constantinos", "Christina", "Michalis", "Anna"],
        last_names: &["Georgiou", "Christodoulou", "Ioannou", "Constantinou", "Charalambous", "Nicolaou",
            "Andreou", "Savva", "Demetriou", "Michael", "Panayiotou", "Hadjigeorgiou"],
        streets: &["Archiepiskopou Makariou III", "Leoforos Grigori Afxentiou", "Agiou Andreou", "Anexartisias",
            "Ledras", "Griva Digeni", "Leoforos Spyrou Kyprianou", "Evagorou"],
        number_first: false,
    },
    CountryGeo {
        iso2: "CZ",
        population_k: 10_900,
        cities: &[
            c("Praha", "1", 1_380),
            c("Brno", "60", 400),
            c("Ostrava", "70", 285),
            c("Plzeň", "30", 185),
            c("Liberec", "460", 105),
            c("Olomouc", "77", 102),
            c("České Budějovice", "370", 97),
            c("Hradec Králové", "500", 93),
        ],
        first_names: &["Jan", "Jana", "Petr", "Marie", "Jiří", "Eva",
            "Tomáš", "Hana", "Martin", "Lucie", "Pavel", "Kateřina"],
        last_names: &["Novák", "Svoboda", "Novotný", "Dvořák", "Černý", "Procházka",
            "Kučera", "Veselý", "Horák", "Němec", "Marek", "Pokorný"],
        streets: &["Nádražní", "Hlavní", "Školní", "Husova",
            "Masarykova", "Palackého", "Komenského", "Tyršova"],
        number_first: false,
    },
    CountryGeo {
        iso2: "DE",
        population_k: 83_400,
        cities: &[
            c("Berlin", "10", 3_780),
            c("Hamburg", "20", 1_910),
            c("München", "80", 1_510),
            c("Köln", "50", 1_090),
            c("Frankfurt am Main", "60", 775),
            c("Stuttgart", "70", 633),
            c("Düsseldorf", "40", 629),
            c("Leipzig", "04", 616),
        ],
        first_names: &["Lukas", "Anna", "Jonas", "Laura", "Felix", "Lea",
            "Maximilian", "Sophie", "Thomas", "Sabine", "Michael", "Julia"],
        last_names: &["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer",
            "Wagner", "Becker", "Schulz", "Hoffmann", "Koch", "Richter"],
        streets: &["Hauptstraße", "Schulstraße", "Gartenstraße", "Bahnhofstraße",
            "Dorfstraße", "Bergstraße", "Lindenstraße", "Kirchstraße"],
        number_first: false,
    },
    CountryGeo {
        iso2: "DK",
        population_k: 5_960,
        cities: &[
            c("København", "1", 660),
            c("Aarhus", "80", 300),
            c("Odense", "50", 182),
            c("Aalborg", "90", 120),
            c("Esbjerg", "67", 72),
            c("Randers", "89", 63),
            c("Kolding", "60", 62),
            c("Vejle", "71", 60),
        ],
        first_names: &["Peter", "Anne", "Jens", "Kirsten", "Lars", "Mette",
            "Søren", "Hanne", "Mikkel", "Sofie", "Frederik", "Ida"],
        last_names: &["Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen",
            "Larsen", "Sørensen", "Rasmussen", "Jørgensen", "Petersen", "Madsen"],
        streets: &["Vestergade", "Østergade", "Nørregade", "Søndergade",
            "Kirkevej", "Skolevej", "Møllevej", "Strandvejen"],
        number_first: false,
    },
    CountryGeo {
        iso2: "EE",
        population_k: 1_370,
        cities: &[
            c("Tallinn", "1", 455),
            c("Tartu", "50", 97),
            c("Narva", "20", 53),
            c("Pärnu", "80", 52),
            c("Kohtla-Järve", "30", 32),
            c("Viljandi", "71", 17),
        ],
        first_names: &["Andres", "Mari", "Jaan", "Kadri", "Martin", "Kristiina",
            "Toomas", "Liis", "Rasmus", "Anu", "Mihkel", "Triin"],
        last_names: &["Tamm", "Saar", "Sepp", "Mägi", "Kask", "Kukk",
            "Rebane", "Ilves", "Pärn", "Koppel", "Lepik", "Oja"],
        streets: &["Pärnu maantee", "Narva maantee", "Tartu maantee", "Pikk tänav",
            "Kooli tänav", "Aia tänav", "Kesk tänav", "Vabaduse puiestee"],
        number_first: false,
    },
    CountryGeo {
        iso2: "ES",
        population_k: 48_600,
        cities: &[
            c("Madrid", "28", 3_330),
            c("Barcelona", "08", 1_660),
            c("València", "46", 800),
            c("Sevilla", "41", 685),
            c("Zaragoza", "50", 680),
            c("Málaga", "29", 590),
            c("Murcia", "30", 470),
            c("Palma", "07", 425),
        ],
        first_names: &["Antonio", "María", "Manuel", "Carmen", "José", "Ana",
            "Francisco", "Laura", "David", "Isabel", "Javier", "Lucía"],
        last_names: &["García", "Rodríguez", "González", "Fernández", "López", "Martínez",
            "Sánchez", "Pérez", "Gómez", "Martín", "Jiménez", "Ruiz"],
        streets: &["Calle Mayor", "Calle Real", "Avenida de la Constitución", "Calle de Alcalá",
            "Gran Vía", "Plaza de España", "Calle San Juan", "Calle Nueva"],
        number_first: false,
    },
    CountryGeo {
        iso2: "FI",
        population_k: 5_600,
        cities: &[
            c("Helsinki", "00", 670),
            c("Espoo", "02", 310),
            c("Tampere", "33", 255),
            c("Vantaa", "01", 250),
            c("Oulu", "90", 215),
            c("Turku", "20", 205),
            c("Jyväskylä", "40", 148),
            c("Lahti", "15", 121),
        ],
        first_names: &["Juhani", "Maria", "Mikko", "Anna", "Matti", "Helena",
            "Antti", "Johanna", "Jukka", "Aino", "Timo", "Laura"],
        last_names: &["Korhonen", "Virtanen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen",
            "Laine", "Heikkinen", "Koskinen", "Järvinen", "Lehtonen", "Lehtinen"],
        streets: &["Mannerheimintie", "Hämeenkatu", "Asemakatu", "Koulukatu",
            "Kirkkokatu", "Puistokatu", "Rantatie", "Kauppakatu"],
        number_first: false,
    },
    CountryGeo {
        iso2: "FR",
        population_k: 68_400,
        cities: &[
            c("Paris", "75", 2_100),
            c("Marseille", "130", 875),
            c("Lyon", "690", 520),
            c("Toulouse", "31", 505),
            c("Nice", "06", 345),
            c("Nantes", "44", 325),
            c("Montpellier", "340", 300),
            c("Strasbourg", "670", 290),
        ],
        first_names: &["Jean", "Marie", "Pierre", "Nathalie", "Nicolas", "Isabelle",
            "Thomas", "Camille", "Julien", "Léa", "François", "Chloé"],
        last_names: &["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard",
            "Petit", "Durand", "Leroy", "Moreau", "Simon", "Laurent"],
        streets: &["rue de la Paix", "rue Victor Hugo", "avenue de la République", "rue de l'Église",
            "boulevard Gambetta", "rue Jean Jaurès", "place de la Mairie", "rue Pasteur"],
        number_first: true,
    },
    CountryGeo {
        iso2: "GR",
        population_k: 10_400,
        cities: &[
            c("Athina", "10", 640),
            c("Thessaloniki", "54", 320),
            c("Irakleio", "71", 180),
            c("Peiraias", "18", 170),
            c("Patra", "26", 170),
            c("Larisa", "41", 150),
            c("Volos", "38", 120),
            c("Ioannina", "45", 115),
        ],
        first_names: &["Georgios", "Maria", "Ioannis", "Eleni", "Konstantinos", "Aikaterini",
            "Dimitrios", "Vasiliki", "Nikolaos", "Sofia", "Panagiotis", "Georgia"],
        last_names: &["Papadopoulos", "Papadakis", "Georgiou", "Oikonomou", "Papageorgiou", "Vlachos",
            "Angelopoulos", "Nikolaidis", "Dimitriou", "Konstantinidis", "Papanikolaou", "Karagiannis"],
        streets: &["Ermou", "Stadiou", "Panepistimiou", "Akadimias",
            "Egnatias", "Tsimiski", "Leoforos Vasilissis Sofias", "Patision"],
        number_first: false,
    },
    CountryGeo {
        iso2: "HR",
        population_k: 3_860,
        cities: &[
            c("Zagreb", "10", 770),
            c("Split", "21", 160),
            c("Rijeka", "51", 108),
            c("Osijek", "31", 97),
            c("Zadar", "23", 70),
            c("Pula", "52", 52),
            c("Slavonski Brod", "35", 50),
            c("Karlovac", "47", 49),
        ],
        first_names: &["Ivan", "Ana", "Marko", "Marija", "Luka", "Ivana",
            "Josip", "Petra", "Tomislav", "Maja", "Ante", "Katarina"],
        last_names: &["Horvat", "Kovačević", "Babić", "Marić", "Jurić", "Novak",
            "Kovačić", "Knežević", "Vuković", "Marković", "Petrović", "Matić"],
        streets: &["Ilica", "Vukovarska ulica", "Ulica kralja Zvonimira", "Gundulićeva ulica",
            "Trg bana Josipa Jelačića", "Frankopanska ulica", "Savska cesta", "Ulica Stjepana Radića"],
        number_first: false,
    },
    CountryGeo {
        iso2: "HU",
        population_k: 9_580,
        cities: &[
            c("Budapest", "1", 1_680),
            c("Debrecen", "40", 200),
            c("Szeged", "67", 158),
            c("Miskolc", "35", 145),
            c("Pécs", "76", 138),
            c("Győr", "90", 132),
            c("Nyíregyháza", "44", 115),
            c("Kecskemét", "60", 108),
        ],
        first_names: &["László", "Mária", "István", "Erzsébet", "József", "Katalin",
            "Zoltán", "Éva", "Gábor", "Ilona", "Péter", "Anna"],
        last_names: &["Nagy", "Kovács", "Tóth", "Szabó", "Horváth", "Varga",
            "Kiss", "Molnár", "Németh", "Farkas", "Balogh", "Papp"],
        streets: &["Fő utca", "Kossuth Lajos utca", "Petőfi Sándor utca", "Rákóczi út",
            "Ady Endre utca", "Dózsa György út", "Széchenyi utca", "Arany János utca"],
        number_first: false,
    },
    CountryGeo {
        iso2: "IE",
        population_k: 5_270,
        cities: &[
            c("Dublin", "D02", 1_260),
            c("Cork", "T12", 225),
            c("Limerick", "V94", 100),
            c("Galway", "H91", 85),
            c("Waterford", "X91", 60),
            c("Drogheda", "A92", 45),
            c("Dundalk", "A91", 43),
            c("Swords", "K67", 40),
        ],
        first_names: &["Jack", "Mary", "Seán", "Siobhán", "Conor", "Aoife",
            "Patrick", "Niamh", "Darragh", "Ciara", "Michael", "Emma"],
        last_names: &["Murphy", "Kelly", "O'Sullivan", "Walsh", "Smith", "O'Brien",
            "Byrne", "Ryan", "O'Connor", "O'Neill", "McCarthy", "Doyle"],
        streets: &["Main Street", "Church Road", "Grafton Street", "O'Connell Street",
            "Patrick Street", "Castle Street", "Bridge Street", "Strand Road"],
        number_first: true,
    },
    CountryGeo {
        iso2: "IT",
        population_k: 59_000,
        cities: &[
            c("Roma", "001", 2_750),
            c("Milano", "201", 1_370),
            c("Napoli", "801", 910),
            c("Torino", "101", 840),
            c("Palermo", "901", 630),
            c("Genova", "161", 560),
            c("Bologna", "401", 390),
            c("Firenze", "501", 360),
        ],
        first_names: &["Marco", "Giulia", "Alessandro", "Francesca", "Giuseppe", "Chiara",
            "Luca", "Sara", "Francesco", "Anna", "Andrea", "Martina"],
        last_names: &["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano",
            "Colombo", "Ricci", "Marino", "Greco", "Bruno", "Gallo"],
        streets: &["Via Roma", "Via Garibaldi", "Via Giuseppe Mazzini", "Corso Vittorio Emanuele II",
            "Via Dante Alighieri", "Via Cavour", "Piazza della Repubblica", "Via Nazionale"],
        number_first: false,
    },
    CountryGeo {
        iso2: "LT",
        population_k: 2_890,
        cities: &[
            c("Vilnius", "LT-0", 600),
            c("Kaunas", "LT-44", 305),
            c("Klaipėda", "LT-91", 160),
            c("Šiauliai", "LT-76", 110),
            c("Panevėžys", "LT-35", 87),
            c("Alytus", "LT-62", 50),
        ],
        first_names: &["Jonas", "Ona", "Tomas", "Rūta", "Mantas", "Greta",
            "Lukas", "Eglė", "Andrius", "Jurgita", "Darius", "Aistė"],
        last_names: &["Kazlauskas", "Jankauskas", "Petrauskas", "Stankevičius", "Vasiliauskas", "Žukauskas",
            "Butkus", "Paulauskas", "Urbonas", "Kavaliauskas", "Navickas", "Ramanauskas"],
        streets: &["Gedimino prospektas", "Laisvės alėja", "Vilniaus gatvė", "Kauno gatvė",
            "Mokyklos gatvė", "Sodų gatvė", "Liepų gatvė", "Taikos prospektas"],
        number_first: false,
    },
    CountryGeo {
        iso2: "LU",
        population_k: 670,
        cities: &[
            c("Luxembourg", "1", 135),
            c("Esch-sur-Alzette", "4", 37),
            c("Differdange", "45", 30),
            c("Dudelange", "34", 22),
            c("Ettelbruck", "90", 10),
            c("Diekirch", "92", 7),
        ],
        first_names: &["Luc", "Marie", "Jean", "Anne", "Paul", "Sophie",
            "Marc", "Laura", "Ben", "Sarah", "Tom", "Lena"],
        last_names: &["Schmit", "Muller", "Weber", "Hoffmann", "Wagner", "Thill",
            "Schmitz", "Schroeder", "Reuter", "Klein", "Majerus", "Kieffer"],
        streets: &["rue de la Gare", "Grand-Rue", "route d'Arlon", "avenue de la Liberté",
            "rue Principale", "rue de l'Église", "boulevard Royal", "rue du Marché"],
        number_first: true,
    },
    CountryGeo {
        iso2: "LV",
        population_k: 1_880,
        cities: &[
            c("Rīga", "LV-10", 605),
            c("Daugavpils", "LV-54", 78),
            c("Liepāja", "LV-34", 67),
            c("Jelgava", "LV-30", 55),
            c("Jūrmala", "LV-20", 51),
            c("Ventspils", "LV-36", 33),
            c("Rēzekne", "LV-46", 26),
        ],
        first_names: &["Jānis", "Anna", "Andris", "Kristīne", "Mārtiņš", "Inese",
            "Edgars", "Laura", "Roberts", "Ilze", "Artūrs", "Līga"],
        last_names: &["Bērziņš", "Kalniņš", "Ozoliņš", "Jansons", "Ozols", "Liepiņš",
            "Krūmiņš", "Balodis", "Eglītis", "Zariņš", "Pētersons", "Vītols"],
        streets: &["Brīvības iela", "Elizabetes iela", "Krišjāņa Barona iela", "Lāčplēša iela",
            "Dzirnavu iela", "Skolas iela", "Rīgas iela", "Tērbatas iela"],
        number_first: false,
    },
    CountryGeo {
        iso2: "MT",
        population_k: 560,
        cities: &[
            c("San Pawl il-Baħar", "SPB", 38),
            c("Birkirkara", "BKR", 25),
            c("Mosta", "MST", 24),
            c("Sliema", "SLM", 23),
            c("Qormi", "QRM", 17),
            c("Żabbar", "ZBR", 16),
            c("Valletta", "VLT", 6),
        ],
        first_names: &["Joseph", "Maria", "John", "Carmen", "Mark", "Rita",
            "Paul", "Doris", "Matthew", "Sarah", "Luke", "Rebecca"],
        last_names: &["Borg", "Camilleri", "Vella", "Farrugia", "Zammit", "Galea",
            "Micallef", "Grech", "Attard", "Spiteri", "Azzopardi", "Mifsud"],
        streets: &["Triq ir-Repubblika", "Triq il-Kbira", "Triq il-Merkanti", "Triq San Pawl",
            "Triq il-Knisja", "Triq it-Torri", "Triq Sant'Anna", "Triq il-Mitħna"],
        number_first: true,
    },
    CountryGeo {
        iso2: "NL",
        population_k: 17_900,
        cities: &[
            c("Amsterdam", "10", 930),
            c("Rotterdam", "30", 665),
            c("Den Haag", "25", 560),
            c("Utrecht", "35", 375),
            c("Eindhoven", "56", 245),
            c("Groningen", "97", 240),
            c("Tilburg", "50", 230),
            c("Almere", "13", 225),
        ],
        first_names: &["Jan", "Anna", "Daan", "Emma", "Sem", "Julia",
            "Pieter", "Sophie", "Thijs", "Lotte", "Bram", "Sanne"],
        last_names: &["de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker",
            "Janssen", "Visser", "Smit", "Meijer", "de Boer", "Mulder"],
        streets: &["Kerkstraat", "Dorpsstraat", "Schoolstraat", "Molenstraat",
            "Stationsweg", "Hoofdstraat", "Julianastraat", "Wilhelminastraat"],
        number_first: false,
    },
    CountryGeo {
        iso2: "PL",
        population_k: 36_600,
        cities: &[
            c("Warszawa", "0", 1_860),
            c("Kraków", "31", 805),
            c("Wrocław", "50", 675),
            c("Łódź", "90", 655),
            c("Poznań", "60", 540),
            c("Gdańsk", "80", 485),
            c("Szczecin", "70", 390),
            c("Bydgoszcz", "85", 330),
        ],
        first_names: &["Piotr", "Anna", "Krzysztof", "Maria", "Tomasz", "Katarzyna",
            "Paweł", "Małgorzata", "Michał", "Agnieszka", "Jakub", "Zofia"],
        // Surnames that do not inflect for gender, so any first name fits.
        last_names: &["Nowak", "Wójcik", "Kowalczyk", "Woźniak", "Mazur", "Krawczyk",
            "Kaczmarek", "Zając", "Król", "Wieczorek", "Wróbel", "Pawlak"],
        streets: &["ul. Mickiewicza", "ul. Kościuszki", "ul. Słowackiego", "ul. Sienkiewicza",
            "ul. Polna", "ul. Leśna", "ul. Ogrodowa", "ul. Kolejowa"],
        number_first: false,
    },
    CountryGeo {
        iso2: "PT",
        population_k: 10_600,
        cities: &[
            c("Lisboa", "1", 545),
            c("Vila Nova de Gaia", "44", 305),
            c("Porto", "40", 232),
            c("Braga", "47", 195),
            c("Amadora", "27", 175),
            c("Coimbra", "30", 140),
            c("Setúbal", "29", 123),
            c("Funchal", "90", 105),
        ],
        first_names: &["João", "Maria", "José", "Ana", "António", "Mariana",
            "Francisco", "Beatriz", "Pedro", "Inês", "Rui", "Carla"],
        last_names: &["Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa",
            "Rodrigues", "Martins", "Jesus", "Sousa", "Fernandes", "Gonçalves"],
        streets: &["Rua Augusta", "Avenida da Liberdade", "Rua de Santa Catarina", "Rua Direita",
            "Rua do Comércio", "Avenida da República", "Rua de São João", "Rua da Igreja"],
        number_first: false,
    },
    CountryGeo {
        iso2: "RO",
        population_k: 19_100,
        cities: &[
            c("București", "0", 1_720),
            c("Cluj-Napoca", "400", 290),
            c("Iași", "700", 270),
            c("Constanța", "900", 265),
            c("Timișoara", "300", 250),
            c("Brașov", "500", 240),
            c("Craiova", "200", 235),
            c("Galați", "800", 220),
        ],
        first_names: &["Andrei", "Maria", "Alexandru", "Elena", "Ion", "Ioana",
            "Mihai", "Andreea", "Gheorghe", "Ana", "Ștefan", "Cristina"],
        last_names: &["Popescu", "Popa", "Pop", "Radu", "Dumitru", "Stan",
            "Stoica", "Gheorghe", "Matei", "Ciobanu", "Ionescu", "Rusu"],
        streets: &["Strada Mihai Eminescu", "Calea Victoriei", "Bulevardul Unirii", "Strada Republicii",
            "Strada Ștefan cel Mare", "Strada Libertății", "Bulevardul Independenței", "Strada Avram Iancu"],
        number_first: false,
    },
    CountryGeo {
        iso2: "SE",
        population_k: 10_550,
        cities: &[
            c("Stockholm", "11", 985),
            c("Göteborg", "41", 600),
            c("Malmö", "21", 360),
            c("Uppsala", "75", 245),
            c("Linköping", "58", 167),
            c("Västerås", "72", 160),
            c("Örebro", "70", 160),
            c("Helsingborg", "25", 151),
        ],
        first_names: &["Erik", "Anna", "Lars", "Maria", "Karl", "Eva",
            "Johan", "Karin", "Anders", "Elin", "Oscar", "Sara"],
        last_names: &["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson",
            "Olsson", "Persson", "Svensson", "Gustafsson", "Pettersson", "Jonsson"],
        streets: &["Storgatan", "Drottninggatan", "Kungsgatan", "Skolgatan",
            "Järnvägsgatan", "Kyrkogatan", "Nygatan", "Vasagatan"],
        number_first: false,
    },
    CountryGeo {
        iso2: "SI",
        population_k: 2_120,
        cities: &[
            c("Ljubljana", "10", 295),
            c("Maribor", "20", 97),
            c("Celje", "30", 38),
            c("Kranj", "40", 38),
            c("Koper", "60", 26),
            c("Velenje", "33", 25),
            c("Novo mesto", "80", 24),
        ],
        first_names: &["Franc", "Marija", "Janez", "Ana", "Marko", "Maja",
            "Luka", "Nina", "Matej", "Mojca", "Anže", "Eva"],
        last_names: &["Novak", "Horvat", "Kovačič", "Krajnc", "Zupančič", "Potočnik",
            "Kovač", "Mlakar", "Kos", "Vidmar", "Golob", "Turk"],
        streets: &["Slovenska cesta", "Celovška cesta", "Trubarjeva ulica", "Prešernova ulica",
            "Cankarjeva ulica", "Glavni trg", "Šolska ulica", "Partizanska cesta"],
        number_first: false,
    },
    CountryGeo {
        iso2: "SK",
        population_k: 5_420,
        cities: &[
            c("Bratislava", "81", 475),
            c("Košice", "040", 228),
            c("Prešov", "080", 85),
            c("Žilina", "010", 80),
            c("Nitra", "949", 76),
            c("Banská Bystrica", "974", 76),
            c("Trnava", "917", 64),
            c("Martin", "036", 53),
        ],
        first_names: &["Peter", "Mária", "Ján", "Anna", "Martin", "Zuzana",
            "Jozef", "Katarína", "Michal", "Eva", "Tomáš", "Lucia"],
        last_names: &["Horváth", "Kováč", "Varga", "Tóth", "Nagy", "Baláž",
            "Szabó", "Molnár", "Balog", "Lukáč", "Novák", "Kollár"],
        streets: &["Hlavná", "Školská", "Hviezdoslavova", "Štúrova",
            "Obchodná", "Záhradná", "Námestie SNP", "Nová"],
        number_first: false,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Postcode pattern per country (N digit, A upper-case letter, X either, else literal).
    fn pattern(iso2: &str) -> &'static str {
        match iso2 {
            "AT" | "BE" | "BG" | "CY" | "DK" | "HU" | "SI" | "LU" => "NNNN",
            "HR" | "EE" | "FI" | "FR" | "DE" | "IT" | "ES" => "NNNNN",
            "CZ" | "SK" | "GR" | "SE" => "NNN NN",
            "IE" => "ANN XXXX",
            "LV" => "LV-NNNN",
            "LT" => "LT-NNNNN",
            "MT" => "AAA NNNN",
            "NL" => "NNNN AA",
            "PL" => "NN-NNN",
            "PT" => "NNNN-NNN",
            "RO" => "NNNNNN",
            other => panic!("no postcode pattern for {other}"),
        }
    }

    fn is_valid_prefix(prefix: &str, pattern: &str) -> bool {
        let p: Vec<char> = pattern.chars().collect();
        let s: Vec<char> = prefix.chars().collect();
        if s.is_empty() || s.len() > p.len() {
            return false;
        }
        let ok = s.iter().zip(&p).all(|(&ch, &pc)| match pc {
            'N' => ch.is_ascii_digit(),
            'A' => ch.is_ascii_uppercase(),
            'X' => ch.is_ascii_digit() || ch.is_ascii_uppercase(),
            lit => ch == lit,
        });
        // A prefix must not end on a literal separator.
        ok && matches!(p[s.len() - 1], 'N' | 'A' | 'X')
    }

    #[test]
    fn has_27_sorted_unique_countries() {
        assert_eq!(EU27.len(), 27);
        for w in EU27.windows(2) {
            assert!(w[0].iso2 < w[1].iso2, "{} must sort before {}", w[0].iso2, w[1].iso2);
        }
        for g in &EU27 {
            assert_eq!(g.iso2.len(), 2);
            assert!(g.iso2.chars().all(|ch| ch.is_ascii_uppercase()));
            assert!(g.population_k > 0);
        }
    }

    #[test]
    fn list_sizes() {
        for g in &EU27 {
            assert!((5..=8).contains(&g.cities.len()), "{} cities", g.iso2);
            assert_eq!(g.first_names.len(), 12, "{} first names", g.iso2);
            assert_eq!(g.last_names.len(), 12, "{} last names", g.iso2);
            assert_eq!(g.streets.len(), 8, "{} streets", g.iso2);
            for s in g.first_names.iter().chain(g.last_names).chain(g.streets) {
                assert!(!s.trim().is_empty(), "{} has an empty entry", g.iso2);
                assert!(!s.chars().any(|ch| ch.is_ascii_digit()), "{}: {s}", g.iso2);
            }
        }
    }

    #[test]
    fn cities_have_weights_and_valid_prefixes() {
        for g in &EU27 {
            let pat = pattern(g.iso2);
            for city in g.cities {
                assert!(city.weight > 0, "{} {}", g.iso2, city.name);
                assert!(!city.name.is_empty());
                assert!(
                    is_valid_prefix(city.postcode_prefix, pat),
                    "{} {}: {:?} does not fit {:?}",
                    g.iso2,
                    city.name,
                    city.postcode_prefix,
                    pat
                );
            }
        }
    }
}
