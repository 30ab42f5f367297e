use anchor_lang::prelude::*;
declare_id!("HedgeVau1t111111111111111111111111111111111");
#[program]
pub mod hedge_vault {
    use super::*;
    pub fn noop(_ctx: Context<Noop>) -> Result<()> {
        Ok(())
    }
}
#[derive(Accounts)]
pub struct Noop {}
