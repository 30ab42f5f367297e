//! The harness's accounts and tokens: reading accounts and balances, airdrops,
//! mints, token accounts, and users with tokens.

use super::*;

impl Harness {
    /// A market whose collateral mint has a freeze authority the creator accepted
    /// (`mint_authority` holds it), and a holder's `deposit` executed in its vault.
    pub async fn freezable_with_holder(deposit: u64) -> Harness {
        let mut h = Harness::new(Setup {
            freezable_mint: true,
            accept_freeze_authority: true,
            ..Setup::default()
        })
        .await;
        let lp = h.user(deposit).await;
        h.deposit(&lp, deposit).await;
        h
    }

    pub async fn accounts(&mut self, keys: &[Pubkey]) -> Vec<Option<Account>> {
        let mut v = Vec::with_capacity(keys.len());
        for k in keys {
            v.push(self.ctx.banks_client.get_account(*k).await.expect("get_account"));
        }
        v
    }

    pub async fn account(&mut self, key: Pubkey) -> Option<Account> {
        self.ctx.banks_client.get_account(key).await.expect("get_account")
    }

    pub async fn anchor_account<T: AccountDeserialize>(&mut self, key: Pubkey) -> T {
        self.anchor_account_opt(key)
            .await
            .unwrap_or_else(|| panic!("account {key} missing"))
    }

    /// The account at `key` decoded as `T`, or `None` when there is none.
    pub async fn anchor_account_opt<T: AccountDeserialize>(&mut self, key: Pubkey) -> Option<T> {
        let acc = self.account(key).await?;
        Some(T::try_deserialize(&mut acc.data.as_slice()).expect("decodes"))
    }

    pub async fn market_state(&mut self) -> Market {
        self.anchor_account(self.market).await
    }

    pub async fn position_state(&mut self, owner: &Pubkey) -> Position {
        self.anchor_account(builders::position_pda(&self.market, owner))
            .await
    }

    pub async fn token_balance(&mut self, key: Pubkey) -> u64 {
        self.anchor_account::<TokenAccount>(key).await.amount
    }

    pub async fn mint_supply(&mut self, key: Pubkey) -> u64 {
        self.anchor_account::<Mint>(key).await.supply
    }

    pub async fn airdrop(&mut self, to: &Pubkey, lamports: u64) {
        let payer = self.payer();
        let ix = anchor_lang::solana_program::system_instruction::transfer(&payer.pubkey(), to, lamports);
        self.send(&[ix], &[]).await.ok();
    }

    /// Creates a mint whose authority is the harness's mint authority.
    pub async fn create_mint(&mut self, mint: &Keypair, decimals: u8) {
        let rent = self.ctx.banks_client.get_rent().await.unwrap();
        let payer = self.payer();
        let space = <spl_token::state::Mint as anchor_lang::solana_program::program_pack::Pack>::LEN;
        let ixs = [
            anchor_lang::solana_program::system_instruction::create_account(
                &payer.pubkey(),
                &mint.pubkey(),
                rent.minimum_balance(space),
                space as u64,
                &spl_token::ID,
            ),
            spl_token::instruction::initialize_mint2(
                &spl_token::ID,
                &mint.pubkey(),
                &self.mint_authority.pubkey(),
                self.setup
                    .freezable_mint
                    .then(|| self.mint_authority.pubkey())
                    .as_ref(),
                decimals,
            )
            .unwrap(),
        ];
        self.send(&ixs, &[mint]).await.ok();
    }

    /// Creates a token account of `mint` owned by `owner`.
    pub async fn create_token_account(&mut self, mint: &Pubkey, owner: &Pubkey) -> Pubkey {
        let kp = Keypair::new();
        let rent = self.ctx.banks_client.get_rent().await.unwrap();
        let payer = self.payer();
        let space = <spl_token::state::Account as anchor_lang::solana_program::program_pack::Pack>::LEN;
        let ixs = [
            anchor_lang::solana_program::system_instruction::create_account(
                &payer.pubkey(),
                &kp.pubkey(),
                rent.minimum_balance(space),
                space as u64,
                &spl_token::ID,
            ),
            spl_token::instruction::initialize_account3(&spl_token::ID, &kp.pubkey(), mint, owner).unwrap(),
        ];
        self.send(&ixs, &[&kp]).await.ok();
        kp.pubkey()
    }

    /// Mints collateral tokens to `to`.
    pub async fn mint_to(&mut self, to: &Pubkey, amount: u64) {
        let mint = self.mint;
        self.mint_of_to(&mint, to, amount).await;
    }

    /// Mints tokens of `mint` (one of the harness's mints) to `to`.
    pub async fn mint_of_to(&mut self, mint: &Pubkey, to: &Pubkey, amount: u64) {
        let auth = self.mint_authority.insecure_clone();
        let ix =
            spl_token::instruction::mint_to(&spl_token::ID, mint, to, &auth.pubkey(), &[], amount).unwrap();
        self.send(&[ix], &[&auth]).await.ok();
    }

    /// A funded wallet with `tokens` collateral and an empty share account.
    pub async fn user(&mut self, tokens: u64) -> User {
        let kp = Keypair::new();
        self.airdrop(&kp.pubkey(), 10_000_000_000).await;
        let mint = self.mint;
        let token = self.create_token_account(&mint, &kp.pubkey()).await;
        if tokens > 0 {
            self.mint_to(&token, tokens).await;
        }
        let share_mint = builders::share_mint_pda(&self.market);
        let shares = if self.market == Pubkey::default() {
            Pubkey::default()
        } else {
            self.create_token_account(&share_mint, &kp.pubkey()).await
        };
        User { kp, token, shares }
    }
}
