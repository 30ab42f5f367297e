//! Accounts owned by the program, one file each.

/// What `#[account(zero_copy)]` writes for an account stored as its bytes, loaded
/// through `Account<T>` (copied in and out whole): its discriminator (Anchor's
/// `sha256("account:<Name>")[..8]`, tested beside each), owner, and an
/// `AccountDeserialize` that refuses an account of any other size with
/// `AccountDidNotDeserialize` (`#[account(zero_copy)]`'s `pod_read_unaligned` panics:
/// found by the issue-31 review), with the `AccountSerialize` `Account<T>` writes back.
macro_rules! zero_copy_account {
    ($t:ident, $name:literal, $disc:expr) => {
        const _: () = assert!(core::mem::size_of::<$t>() == <$t as anchor_lang::Space>::INIT_SPACE);

        impl anchor_lang::Discriminator for $t {
            const DISCRIMINATOR: &'static [u8] = &$disc;
        }

        impl anchor_lang::Owner for $t {
            fn owner() -> anchor_lang::prelude::Pubkey {
                crate::ID
            }
        }

        impl anchor_lang::ZeroCopy for $t {}

        impl anchor_lang::AccountDeserialize for $t {
            fn try_deserialize(buf: &mut &[u8]) -> anchor_lang::Result<Self> {
                use anchor_lang::Discriminator;
                if buf.get(..<$t>::DISCRIMINATOR.len()) != Some(<$t>::DISCRIMINATOR) {
                    return Err(anchor_lang::error!(
                        anchor_lang::error::ErrorCode::AccountDiscriminatorMismatch
                    )
                    .with_account_name($name));
                }
                Self::try_deserialize_unchecked(buf)
            }

            fn try_deserialize_unchecked(buf: &mut &[u8]) -> anchor_lang::Result<Self> {
                use anchor_lang::Discriminator;
                buf.get(<$t>::DISCRIMINATOR.len()..)
                    .filter(|body| body.len() == core::mem::size_of::<$t>())
                    .map(bytemuck::pod_read_unaligned)
                    .ok_or_else(|| {
                        anchor_lang::error!(anchor_lang::error::ErrorCode::AccountDidNotDeserialize)
                    })
            }
        }

        impl anchor_lang::AccountSerialize for $t {
            fn try_serialize<W: std::io::Write>(&self, writer: &mut W) -> anchor_lang::Result<()> {
                use anchor_lang::Discriminator;
                writer
                    .write_all(<$t>::DISCRIMINATOR)
                    .and_then(|_| writer.write_all(bytemuck::bytes_of(self)))
                    .map_err(|_| anchor_lang::error!(anchor_lang::error::ErrorCode::AccountDidNotSerialize))
            }
        }
    };
}

pub mod insurance_stake;
pub mod market;
pub mod market_config;
pub mod position;
pub mod request;

pub use insurance_stake::*;
pub use market::*;
pub use market_config::*;
pub use position::*;
pub use request::*;
