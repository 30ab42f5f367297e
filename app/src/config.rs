//! Defaults from the Solana CLI's config file (`~/.config/solana/cli/config.yml`):
//! `json_rpc_url`, `keypair_path`, `commitment`; and keypair files.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use solana_keypair::Keypair;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SolanaConfig {
    pub json_rpc_url: Option<String>,
    pub keypair_path: Option<String>,
    pub commitment: Option<String>,
}

pub fn default_config_path() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config/solana/cli/config.yml"))
}

/// Parses the flat `key: value` YAML the Solana CLI writes.
pub fn parse_config(text: &str) -> SolanaConfig {
    let mut c = SolanaConfig::default();
    for line in text.lines() {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let v = v.trim().trim_matches(|ch| ch == '"' || ch == '\'').to_string();
        if v.is_empty() {
            continue;
        }
        match k.trim() {
            "json_rpc_url" => c.json_rpc_url = Some(v),
            "keypair_path" => c.keypair_path = Some(v),
            "commitment" => c.commitment = Some(v),
            _ => {}
        }
    }
    c
}

pub fn load_config(path: Option<&Path>) -> SolanaConfig {
    let path = path.map(Path::to_path_buf).or_else(default_config_path);
    path.and_then(|p| std::fs::read_to_string(p).ok())
        .map(|t| parse_config(&t))
        .unwrap_or_default()
}

/// URL monikers as the Solana CLI has them.
pub fn resolve_url(url: &str) -> String {
    match url {
        "l" | "localhost" => "http://127.0.0.1:8899".into(),
        "d" | "devnet" => "https://api.devnet.solana.com".into(),
        "t" | "testnet" => "https://api.testnet.solana.com".into(),
        "m" | "mainnet-beta" => "https://api.mainnet-beta.solana.com".into(),
        other => other.into(),
    }
}

/// Reads a keypair file (a JSON array of 64 bytes, as solana-keygen writes).
pub fn read_keypair(path: &str) -> Result<Keypair> {
    let path = if let Some(rest) = path.strip_prefix("~/") {
        std::env::var_os("HOME")
            .map(|h| PathBuf::from(h).join(rest))
            .ok_or_else(|| anyhow!("no HOME"))?
    } else {
        PathBuf::from(path)
    };
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading keypair {}", path.display()))?;
    let bytes: Vec<u8> =
        serde_json::from_str(&text).with_context(|| format!("{} is not a keypair file", path.display()))?;
    Keypair::try_from(bytes.as_slice()).map_err(|e| anyhow!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_solana_cli_config() {
        let c = parse_config("---\njson_rpc_url: https://api.devnet.solana.com\nwebsocket_url: ''\nkeypair_path: /home/u/.config/solana/id.json\naddress_labels:\n  '11111111111111111111111111111111': System Program\ncommitment: confirmed\n");
        assert_eq!(c.json_rpc_url.as_deref(), Some("https://api.devnet.solana.com"));
        assert_eq!(c.keypair_path.as_deref(), Some("/home/u/.config/solana/id.json"));
        assert_eq!(c.commitment.as_deref(), Some("confirmed"));
        assert_eq!(resolve_url("devnet"), "https://api.devnet.solana.com");
        assert_eq!(resolve_url("localhost"), "http://127.0.0.1:8899");
    }
}
