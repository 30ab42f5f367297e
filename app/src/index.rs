//! The event index: a market's transaction history read once, then only what is new,
//! kept decoded in an embedded SQLite database (docs/SERVE.md, "The event index",
//! documents the schema). `hedge serve` draws its charts from it and
//! `hedge vault statement` replays it instead of fetching the whole history on every
//! call.
//!
//! On a cluster the database is a file per cluster and market (named by the
//! cluster's genesis hash, so a reset validator starts a new one); a restart resumes
//! after the last transaction it holds. On the embedded chain it is in memory.

use std::path::{Path, PathBuf};

use anchor_lang::prelude::Pubkey;
use anchor_lang::Discriminator;
use anyhow::{anyhow, Context, Result};
use rusqlite::{params, Connection, OptionalExtension};

use crate::chain::{Chain, Sent};

/// The schema's version, kept in `meta`; a database of another version is rebuilt.
pub const SCHEMA_VERSION: &str = "1";

/// The schema (also in docs/SERVE.md).
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,      -- schema_version, market, program, cluster
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS transactions (
    seq        INTEGER PRIMARY KEY,   -- order in the market's history, from 1
    signature  TEXT NOT NULL UNIQUE,
    slot       INTEGER NOT NULL,
    block_time INTEGER                -- unix seconds; NULL when the node does not know
);
CREATE TABLE IF NOT EXISTS events (
    tx_seq INTEGER NOT NULL REFERENCES transactions(seq),
    idx    INTEGER NOT NULL,          -- its place among the transaction's events
    name   TEXT NOT NULL,             -- the event type, e.g. VaultDeposited
    owner  TEXT,                      -- the event's owner field, for those that have one
    data   BLOB NOT NULL,             -- discriminator + borsh, as emitted
    PRIMARY KEY (tx_seq, idx)
);
CREATE INDEX IF NOT EXISTS events_by_name ON events (name, tx_seq);
CREATE INDEX IF NOT EXISTS events_by_owner ON events (owner, tx_seq);
";

macro_rules! event_table {
    ($(($name:ident, $owner:expr)),* $(,)?) => {
        /// Every event type of the program: its name, discriminator, and whether its
        /// second field (after `market`) is the owner it concerns.
        const EVENTS: &[(&str, &[u8], bool)] = &[
            $((stringify!($name), hedge_vault::events::$name::DISCRIMINATOR, $owner)),*
        ];
    };
}

event_table![
    (MarketCreated, false),
    (RequestCreated, true),
    (RequestCancelled, true),
    (PaymentHeld, true),
    (PaymentClaimed, true),
    (SettlementCancelled, false),
    (VaultDeposited, true),
    (VaultWithdrawn, true),
    (PositionOpened, true),
    (MarginDeposited, true),
    (MarginWithdrawn, true),
    (PositionTraded, true),
    (PositionClosed, true),
    (FundingUpdated, false),
    (FundingSettled, true),
    (PositionLiquidated, true),
    (BadDebtResolved, true),
    (AutoDeleveraged, true),
    (InsuranceDeposited, false),
    (InsuranceStaked, true),
    (InsuranceUnstaked, true),
    (ProposalCreated, false),
    (ProposalApplied, false),
    (ProposalCancelled, false),
    (PauseSet, false),
    (GuardianSet, false),
    (AdminProposed, false),
    (AdminAccepted, false),
    (TimelockLengthened, false),
];

/// An event payload's type name and owner (`None` for unknown payloads).
fn classify(payload: &[u8]) -> Option<(&'static str, Option<Pubkey>)> {
    let (name, _, has_owner) = EVENTS.iter().find(|(_, d, _)| payload.starts_with(d))?;
    let owner = if *has_owner {
        payload
            .get(8 + 32..8 + 64)
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .map(Pubkey::new_from_array)
    } else {
        None
    };
    Some((name, owner))
}

/// The market an event payload concerns (every event's first field).
fn event_market(payload: &[u8]) -> Option<Pubkey> {
    payload
        .get(8..8 + 32)
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .map(Pubkey::new_from_array)
}

/// One indexed event.
#[derive(Clone, Debug)]
pub struct Indexed {
    pub seq: i64,
    pub signature: String,
    pub block_time: Option<i64>,
    pub name: String,
    /// Discriminator + borsh.
    pub data: Vec<u8>,
}

/// The columns [`indexed_row`] reads.
const INDEXED_SELECT: &str = "SELECT t.seq, t.signature, t.block_time, e.name, e.data FROM events e \
                              JOIN transactions t ON t.seq = e.tx_seq";

fn indexed_row(r: &rusqlite::Row) -> rusqlite::Result<Indexed> {
    Ok(Indexed {
        seq: r.get(0)?,
        signature: r.get(1)?,
        block_time: r.get(2)?,
        name: r.get(3)?,
        data: r.get(4)?,
    })
}

/// What a sync added.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct Synced {
    pub transactions: usize,
    pub events: usize,
}

/// What the index holds.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Counts {
    pub transactions: i64,
    pub events: i64,
    pub last_signature: Option<String>,
    pub last_block_time: Option<i64>,
}

pub struct Index {
    conn: Connection,
    market: Pubkey,
    /// The history read so far ([`Index::history`]), with the last `seq` it holds:
    /// each call reads only the transactions indexed since.
    read: Vec<Sent>,
    read_seq: i64,
    /// How often the index was emptied and rebuilt since it was opened: what was
    /// folded from it before ([`Index::history`], the page's series) starts over.
    rebuilds: u64,
}

impl Index {
    /// Opens (creating it if needed) the index of `market` at `path`, or in memory
    /// for `None`. A database made for another market, program or schema version is
    /// emptied first.
    pub fn open(path: Option<&Path>, market: &Pubkey) -> Result<Index> {
        let conn = match path {
            Some(p) => {
                if let Some(dir) = p.parent() {
                    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
                }
                Connection::open(p).with_context(|| format!("opening the index {}", p.display()))?
            }
            None => Connection::open_in_memory()?,
        };
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")?;
        conn.execute_batch(SCHEMA)?;
        let mut index = Index {
            conn,
            market: *market,
            read: Vec::new(),
            read_seq: 0,
            rebuilds: 0,
        };
        let expected = [
            ("schema_version", SCHEMA_VERSION.to_string()),
            ("market", market.to_string()),
            ("program", hedge_vault::ID.to_string()),
        ];
        let mismatch = expected
            .iter()
            .any(|(k, v)| index.meta(k).ok().flatten().is_some_and(|x| &x != v));
        if mismatch {
            index.clear()?;
        }
        for (k, v) in &expected {
            index.set_meta(k, v)?;
        }
        Ok(index)
    }

    /// The index file of `market` on the cluster whose genesis hash is `cluster`,
    /// under `dir` (default: `$HEDGE_INDEX_DIR`, else `$XDG_CACHE_HOME/hedge/index`,
    /// else `~/.cache/hedge/index`).
    pub fn default_path(dir: Option<&Path>, cluster: &str, market: &Pubkey) -> PathBuf {
        let env = std::env::var_os("HEDGE_INDEX_DIR").map(PathBuf::from);
        let dir = dir.map(Path::to_path_buf).or(env).unwrap_or_else(|| {
            let cache = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
                .unwrap_or_else(|| PathBuf::from("."));
            cache.join("hedge").join("index")
        });
        dir.join(cluster).join(format!("{market}.sqlite"))
    }

    /// The index for `market` on `chain`: in memory on the embedded chain, else the
    /// cluster's file under `dir` (see [`Index::default_path`]).
    pub async fn for_chain(chain: &mut Chain, market: &Pubkey, dir: Option<&Path>) -> Result<Index> {
        if chain.is_embedded() {
            return Index::open(None, market);
        }
        let cluster = chain.genesis_id().await?;
        Index::open(Some(&Index::default_path(dir, &cluster, market)), market)
    }

    fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2",
            params![key, value],
        )?;
        Ok(())
    }

    fn clear(&mut self) -> Result<()> {
        self.read.clear();
        self.read_seq = 0;
        self.rebuilds += 1;
        self.conn
            .execute_batch("DELETE FROM events; DELETE FROM transactions; DELETE FROM meta;")?;
        Ok(())
    }

    /// How often the index was rebuilt since it was opened (see the field).
    pub fn rebuilds(&self) -> u64 {
        self.rebuilds
    }

    pub fn market(&self) -> Pubkey {
        self.market
    }

    /// The signature of the last transaction indexed.
    pub fn last_signature(&self) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT signature FROM transactions ORDER BY seq DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Reads what the chain has after the last transaction indexed and adds it. When
    /// the chain no longer has that transaction (a validator reset under the same
    /// genesis cannot happen; this is a history the node has pruned, or a database
    /// copied from elsewhere), the index is rebuilt from what the node serves.
    pub async fn sync(&mut self, chain: &mut Chain) -> Result<Synced> {
        let last = self.last_signature()?;
        let new = match chain.history_since(&self.market, last.as_deref()).await {
            Ok(v) => v,
            Err(e) if last.is_some() => {
                let why = format!("{e:#}");
                if !why.contains("is not in this") {
                    return Err(e);
                }
                self.clear()?;
                self.set_meta("schema_version", SCHEMA_VERSION)?;
                self.set_meta("market", &self.market.to_string())?;
                self.set_meta("program", &hedge_vault::ID.to_string())?;
                chain.history_since(&self.market, None).await?
            }
            Err(e) => return Err(e),
        };
        self.append(&new)
    }

    /// Appends transactions (oldest first) after those indexed, in one database
    /// transaction: events of other markets are left out, and a signature already
    /// indexed is skipped.
    pub fn append(&mut self, txs: &[Sent]) -> Result<Synced> {
        let market = self.market;
        let db = self.conn.transaction()?;
        let mut added = Synced::default();
        {
            let mut tx_stmt = db.prepare_cached(
                "INSERT OR IGNORE INTO transactions (signature, slot, block_time) VALUES (?1, ?2, ?3)",
            )?;
            let mut ev_stmt = db.prepare_cached(
                "INSERT INTO events (tx_seq, idx, name, owner, data) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for t in txs {
                let slot = i64::try_from(t.slot).map_err(|_| anyhow!("slot {} out of range", t.slot))?;
                if tx_stmt.execute(params![t.signature, slot, t.block_time])? == 0 {
                    continue;
                }
                let seq = db.last_insert_rowid();
                added.transactions += 1;
                for (i, payload) in t.events.iter().enumerate() {
                    if event_market(payload) != Some(market) {
                        continue;
                    }
                    let (name, owner) = classify(payload).unwrap_or(("unknown", None));
                    ev_stmt.execute(params![
                        seq,
                        i as i64,
                        name,
                        owner.map(|o| o.to_string()),
                        payload
                    ])?;
                    added.events += 1;
                }
            }
        }
        db.commit()?;
        Ok(added)
    }

    /// Events whose type is one of `names` (any for an empty list) and that pass
    /// `filter` (an SQL condition on `e`, with `args` for its `?`), in `order`.
    fn select(
        &self,
        filter: &str,
        args: Vec<rusqlite::types::Value>,
        names: &[&str],
        order: &str,
    ) -> Result<Vec<Indexed>> {
        let mut conds = vec![filter.to_string()];
        if !names.is_empty() {
            conds.push(format!("e.name IN ({})", vec!["?"; names.len()].join(",")));
        }
        let mut st = self.conn.prepare_cached(&format!(
            "{INDEXED_SELECT} WHERE {} ORDER BY {order}",
            conds.join(" AND ")
        ))?;
        let all = args
            .into_iter()
            .chain(names.iter().map(|n| rusqlite::types::Value::from(n.to_string())));
        let v = st
            .query_map(rusqlite::params_from_iter(all), indexed_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(v)
    }

    /// Events of the given types (every type for an empty list), oldest first.
    pub fn events(&self, names: &[&str]) -> Result<Vec<Indexed>> {
        self.select("1", Vec::new(), names, "e.tx_seq, e.idx")
    }

    /// The last event of type `name`, if any.
    pub fn last_event(&self, name: &str) -> Result<Option<Indexed>> {
        Ok(self
            .conn
            .query_row(
                &format!("{INDEXED_SELECT} WHERE e.name = ?1 ORDER BY e.tx_seq DESC, e.idx DESC LIMIT 1"),
                [name],
                indexed_row,
            )
            .optional()?)
    }

    /// The market's history as the statement replays it: every indexed transaction
    /// with its events, oldest first. Kept in memory: a call reads only what was
    /// indexed since the last one (the page replays it on every wallet request).
    pub fn history(&mut self) -> Result<&[Sent]> {
        let mut st = self.conn.prepare_cached(
            "SELECT t.seq, t.signature, t.slot, t.block_time, e.data FROM transactions t \
             LEFT JOIN events e ON e.tx_seq = t.seq WHERE t.seq > ?1 ORDER BY t.seq, e.idx",
        )?;
        let mut rows = st.query([self.read_seq])?;
        let mut last_seq = None;
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(0)?;
            if last_seq != Some(seq) {
                let slot: i64 = r.get(2)?;
                self.read.push(Sent {
                    signature: r.get(1)?,
                    slot: slot as u64,
                    block_time: r.get(3)?,
                    ..Default::default()
                });
                last_seq = Some(seq);
                self.read_seq = seq;
            }
            if let Some(data) = r.get::<_, Option<Vec<u8>>>(4)? {
                if let Some(t) = self.read.last_mut() {
                    t.events.push(data);
                }
            }
        }
        Ok(&self.read)
    }

    /// Events of the given types indexed in transactions after `seq`, oldest first.
    pub fn events_after(&self, names: &[&str], seq: i64) -> Result<Vec<Indexed>> {
        self.select("e.tx_seq > ?", vec![seq.into()], names, "e.tx_seq, e.idx")
    }

    /// `owner`'s events of the given types, oldest first.
    pub fn owner_events(&self, owner: &Pubkey, names: &[&str]) -> Result<Vec<Indexed>> {
        self.select(
            "e.owner = ?",
            vec![owner.to_string().into()],
            names,
            "e.tx_seq, e.idx",
        )
    }

    /// The last `limit` events of the given types, newest first.
    pub fn recent(&self, names: &[&str], limit: usize) -> Result<Vec<Indexed>> {
        self.select(
            "1",
            Vec::new(),
            names,
            &format!("e.tx_seq DESC, e.idx DESC LIMIT {limit}"),
        )
    }

    pub fn counts(&self) -> Result<Counts> {
        let transactions = self
            .conn
            .query_row("SELECT COUNT(*) FROM transactions", [], |r| r.get(0))?;
        let events = self
            .conn
            .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))?;
        let last: Option<(String, Option<i64>)> = self
            .conn
            .query_row(
                "SELECT signature, block_time FROM transactions ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(Counts {
            transactions,
            events,
            last_signature: last.as_ref().map(|l| l.0.clone()),
            last_block_time: last.and_then(|l| l.1),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::Event;
    use hedge_vault::events::{FundingSettled, VaultDeposited};

    fn deposited(market: Pubkey, owner: Pubkey, amount: u64) -> Vec<u8> {
        VaultDeposited {
            market,
            owner,
            executor: owner,
            amount,
            shares: amount * 1_000,
            price: 1,
            publish_time: 0,
            collateral: 0,
            skew_fee: 0,
            skew_rebate: 0,
            waiting: 0,
            skew_ledger: 0,
            wait_charge: 0,
        }
        .data()
    }

    fn tx(sig: &str, time: i64, events: Vec<Vec<u8>>) -> Sent {
        Sent {
            signature: sig.into(),
            events,
            slot: time as u64,
            block_time: Some(time),
            ..Default::default()
        }
    }

    #[test]
    fn an_index_keeps_its_markets_events_in_order_and_resumes_after_a_restart() {
        let dir = std::env::temp_dir().join(format!("hedge-index-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (market, me, other) = (Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique());
        let path = Index::default_path(Some(&dir), "cluster", &market);
        let settled = FundingSettled {
            market,
            owner: other,
            paid: 5,
            wait_bonus: 0,
            margin_after: 0,
        }
        .data();
        // A payload of this market no event type matches (a newer program's).
        let mut unknown = vec![9u8; 8];
        unknown.extend(market.to_bytes());
        {
            let mut i = Index::open(Some(&path), &market).unwrap();
            let added = i
                .append(&[
                    tx(
                        "a",
                        10,
                        vec![deposited(market, me, 1), deposited(Pubkey::new_unique(), me, 9)],
                    ),
                    tx("b", 20, vec![settled.clone(), unknown.clone()]),
                ])
                .unwrap();
            // The other market's deposit is left out; an unknown payload is kept as such.
            assert_eq!((added.transactions, added.events), (2, 3));
            // A transaction already indexed is not added twice.
            let again = i.append(&[tx("b", 20, vec![settled.clone()])]).unwrap();
            assert_eq!((again.transactions, again.events), (0, 0));
        }
        // Reopened: everything is there, and the next append goes after it.
        let mut i = Index::open(Some(&path), &market).unwrap();
        assert_eq!(i.last_signature().unwrap().as_deref(), Some("b"));
        i.append(&[tx("c", 30, vec![deposited(market, other, 2)])])
            .unwrap();
        let names: Vec<String> = i.events(&[]).unwrap().into_iter().map(|e| e.name).collect();
        assert_eq!(
            names,
            ["VaultDeposited", "FundingSettled", "unknown", "VaultDeposited"]
        );
        let deposits = i.events(&["VaultDeposited"]).unwrap();
        assert_eq!(
            deposits.iter().map(|e| e.block_time).collect::<Vec<_>>(),
            [Some(10), Some(30)]
        );
        let mine: i64 = i
            .conn
            .query_row(
                "SELECT COUNT(*) FROM events WHERE owner = ?1",
                [me.to_string()],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(mine, 1);
        let h = i.history().unwrap().to_vec();
        assert_eq!(
            h.iter().map(|t| t.signature.as_str()).collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
        assert_eq!(h[1].events, vec![settled, unknown]);
        // Read again after an append: what was read is kept, only the new is added.
        i.append(&[tx("d", 40, vec![])]).unwrap();
        let h2 = i.history().unwrap();
        assert_eq!(h2.len(), 4);
        let key = |t: &Sent| (t.signature.clone(), t.events.clone());
        assert_eq!(
            h2[..3].iter().map(key).collect::<Vec<_>>(),
            h.iter().map(key).collect::<Vec<_>>()
        );
        assert_eq!(h2[3].signature, "d");
        let after: Vec<i64> = i
            .events_after(&["VaultDeposited"], 1)
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect();
        assert_eq!(after, [3]);
        let recent: Vec<String> = i
            .recent(&["VaultDeposited", "FundingSettled"], 2)
            .unwrap()
            .into_iter()
            .map(|e| e.signature)
            .collect();
        assert_eq!(recent, ["c", "b"]);
        let own: Vec<i64> = i
            .owner_events(&me, &["VaultDeposited"])
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect();
        assert_eq!(own.len(), 1);
        let c = i.counts().unwrap();
        assert_eq!((c.transactions, c.events, c.last_block_time), (4, 4, Some(40)));
        // Emptied for a rebuild (the node no longer has the last transaction): what
        // was read is dropped and the rebuild is counted, so folds start over.
        assert_eq!(i.rebuilds(), 0);
        i.clear().unwrap();
        assert_eq!(i.rebuilds(), 1);
        assert!(i.history().unwrap().is_empty());
        // The same file opened for another market starts empty.
        drop(i);
        let i = Index::open(Some(&path), &Pubkey::new_unique()).unwrap();
        assert_eq!(i.counts().unwrap().events, 0);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
