//! Program errors by name and message, read from the committed IDL (which a test keeps
//! in step with the program), and Anchor's framework errors by name.

use std::collections::HashMap;
use std::sync::OnceLock;

use solana_instruction_error::InstructionError;
use solana_transaction_error::TransactionError;

const IDL: &str = include_str!("../../idl/hedge_vault.json");

/// (name, message) of every program error, by code.
pub fn program_errors() -> &'static HashMap<u32, (String, String)> {
    static MAP: OnceLock<HashMap<u32, (String, String)>> = OnceLock::new();
    MAP.get_or_init(|| {
        let v: serde_json::Value = serde_json::from_str(IDL).expect("committed IDL is JSON");
        v["errors"]
            .as_array()
            .map(|errs| {
                errs.iter()
                    .filter_map(|e| {
                        Some((
                            e["code"].as_u64()? as u32,
                            (
                                e["name"].as_str()?.to_string(),
                                e["msg"].as_str().unwrap_or("").to_string(),
                            ),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// Anchor framework errors a user of this program can meet.
fn anchor_error(code: u32) -> Option<(&'static str, &'static str)> {
    Some(match code {
        2000 => ("ConstraintMut", "A mut constraint was violated"),
        2003 => ("ConstraintRaw", "A raw constraint was violated"),
        2006 => ("ConstraintSeeds", "A seeds constraint was violated"),
        2012 => ("ConstraintAddress", "An address constraint was violated"),
        2040 => (
            "ConstraintDuplicateMutableAccount",
            "The same mutable account was passed twice",
        ),
        3001 => (
            "AccountDiscriminatorNotFound",
            "No discriminator: the account is not initialized",
        ),
        3002 => ("AccountDiscriminatorMismatch", "The account is of another type"),
        3007 => (
            "AccountOwnedByWrongProgram",
            "The account is owned by another program",
        ),
        3010 => ("AccountNotSigner", "The account should be a signer"),
        3012 => ("AccountNotInitialized", "The account does not exist yet"),
        _ => return None,
    })
}

/// A transaction error in words: program errors by name and message.
pub fn describe(err: &TransactionError) -> String {
    match err {
        TransactionError::InstructionError(i, InstructionError::Custom(code)) => {
            if let Some((name, msg)) = program_errors().get(code) {
                format!("instruction {i}: {name}: {msg} (error {code})")
            } else if let Some((name, msg)) = anchor_error(*code) {
                format!("instruction {i}: {name}: {msg} (Anchor error {code})")
            } else {
                format!("instruction {i}: custom error {code}")
            }
        }
        other => other.to_string(),
    }
}

/// The program error name of a transaction error, if it is one.
pub fn error_name(err: &TransactionError) -> Option<String> {
    match err {
        TransactionError::InstructionError(_, InstructionError::Custom(code)) => program_errors()
            .get(code)
            .map(|(n, _)| n.clone())
            .or_else(|| anchor_error(*code).map(|(n, _)| n.to_string())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_errors_come_by_name_and_message() {
        let e = TransactionError::InstructionError(1, InstructionError::Custom(6005));
        assert_eq!(error_name(&e).as_deref(), Some("OracleStale"));
        assert!(describe(&e).contains("Oracle price is older than the maximum age"));
        let e = TransactionError::InstructionError(0, InstructionError::Custom(3010));
        assert_eq!(error_name(&e).as_deref(), Some("AccountNotSigner"));
    }
}
