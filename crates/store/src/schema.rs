//! The embedded store's schema, as numbered migrations. `PRAGMA user_version` records how many
//! have run; each runs in its own transaction, so a crash mid-migration leaves the previous
//! version intact.

/// Migrations in order; never edit a released one, add a new one.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: files, flights, parcels, events.
    r#"
    CREATE TABLE files (
        id          INTEGER PRIMARY KEY,
        digest      BLOB NOT NULL UNIQUE,
        name        TEXT NOT NULL,
        rows        INTEGER NOT NULL,
        parcels     INTEGER NOT NULL,
        flights     INTEGER NOT NULL,
        ingested_ms INTEGER NOT NULL,
        actor       TEXT NOT NULL
    );
    CREATE TABLE flights (
        key         TEXT PRIMARY KEY,
        sta_ms      INTEGER NOT NULL,
        file_id     INTEGER NOT NULL REFERENCES files(id),
        doc         TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE parcels (
        id          TEXT PRIMARY KEY,
        mawb        TEXT NOT NULL,
        flight      TEXT NOT NULL,
        dest_country TEXT NOT NULL,
        dest_postcode TEXT NOT NULL,
        value_cents INTEGER NOT NULL,
        currency    TEXT NOT NULL,
        weight_g    INTEGER NOT NULL,
        file_id     INTEGER NOT NULL REFERENCES files(id),
        line        INTEGER NOT NULL,
        doc         TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX parcels_mawb ON parcels(mawb);
    CREATE TABLE events (
        seq         INTEGER PRIMARY KEY,
        kind        TEXT NOT NULL,
        key         TEXT NOT NULL,
        code        TEXT NOT NULL,
        at_ms       INTEGER NOT NULL,
        actor       TEXT NOT NULL,
        location    TEXT NOT NULL,
        detail      TEXT
    );
    CREATE INDEX events_by_subject ON events(key, seq);
    "#,
    // 2: the salt of each parcel's personal-data commitment (erased with the personal data).
    r#"
    ALTER TABLE parcels ADD COLUMN personal_salt BLOB;
    "#,
    // 3: keys of requests applied once (a sorter's confirmation resent after a lost ack).
    r#"
    CREATE TABLE applied_once (
        key         TEXT PRIMARY KEY,
        last_seq    INTEGER NOT NULL
    ) WITHOUT ROWID;
    "#,
    // 4: a ULD's or a bag's parcels (breakdown scans a whole ULD or bag), and the events of
    // trucks (few, so a partial index costs the parcels' events nothing).
    r#"
    CREATE INDEX parcels_by_uld ON parcels(flight, json_extract(doc, '$.uld'));
    CREATE INDEX parcels_by_bag ON parcels(flight, json_extract(doc, '$.bag'));
    CREATE INDEX events_of_trucks ON events(seq) WHERE kind = 'truck';
    "#,
];
