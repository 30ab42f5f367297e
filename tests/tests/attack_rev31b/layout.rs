//! The zero-copy market account: its bytes, its padding, another size.

use super::*;

/// The account is `8 + size_of::<Market>()` bytes, `collateral_mint` at byte 44 (the
/// documented memcmp offset), every field where the sequential (IDL) decoder puts
/// it; the padding the program writes is zero.
#[tokio::test]
async fn attempt_market_layout_matches_its_bytes() {
    let mut h = Harness::new(Setup::default()).await;
    let acc = h.account(h.market).await.unwrap();
    assert_eq!(acc.data.len(), 8 + core::mem::size_of::<Market>());
    assert_eq!(
        acc.data.len(),
        1224,
        "the account is 1,224 bytes, discriminator included"
    );
    assert_eq!(&acc.data[44..76], h.mint.as_ref());
    let m = h.market_state().await;
    assert_eq!(m.pad0, [0; 3]);
    assert_eq!(m.pad1, [0; 4]);
    assert_eq!(m.proposal.pad, [0; 3]);
    // The engine's state survives a write and a read unchanged (set_state/state).
    let st = m.state().unwrap();
    let mut m2 = m;
    m2.set_state(&st);
    assert_eq!(bytemuck::bytes_of(&m2), bytemuck::bytes_of(&m));
}

/// `MarketParams.pad` is an instruction argument: a market's creator
/// (`market_create` is permissionless) and its admin (`market_propose_params`) could
/// store any value there (found by this review: no economic effect, but a market's
/// stored parameters were not canonical). Fixed: a non-zero pad is refused with
/// `InvalidParameter` at creation and at proposal, and nothing is written.
#[tokio::test]
async fn fixed_market_params_pad_must_be_zero() {
    let mut h = Harness::bare(Setup::default()).await;
    let mut params: MarketParams = h.setup.params.into();
    params.pad = 0xDEAD_BEEF;
    let args = market_create_args(&h, params, h.setup.oracle_config);
    let ix = cix_market_create(&h, args);
    let admin = h.admin.insecure_clone();
    let out = h.send(&[ix], &[&admin]).await;
    assert_eq!(out.custom_error(), Some(code(HedgeError::InvalidParameter)));
    // The same parameters with a zero pad create the market.
    let args = market_create_args(&h, h.setup.params.into(), h.setup.oracle_config);
    let ix = cix_market_create(&h, args);
    h.send(&[ix], &[&admin]).await.ok();
    h.market = hedge_vault_market(&h.mint, &h.admin.pubkey());
    let m = h.market_state().await;
    assert_eq!(m.params, MarketParams::from(h.setup.params));

    // Through the timelock.
    let mut p2: MarketParams = h.setup.params.into();
    p2.pad = 0x1234_5678;
    let (a, oc, ac) = (h.admin.pubkey(), h.setup.oracle_config, h.setup.admin_config);
    let out = h
        .send(&[market_propose_params(&h, &a, p2, oc, ac)], &[&admin])
        .await;
    assert_eq!(out.custom_error(), Some(code(HedgeError::InvalidParameter)));
    assert_eq!(
        h.market_state().await.proposal.kind(),
        hedge_vault::state::ProposalKind::None
    );
}

fn cix_market_create(h: &Harness, args: hedge_vault::MarketCreateArgs) -> Instruction {
    let accounts = market_create_accounts(h);
    ix(accounts, hedge_vault::instruction::MarketCreate { args })
}

/// A market account of any other size (the Borsh layout before 769f454 was 8 + 1,174
/// bytes) made `Market::try_deserialize` panic (`#[account(zero_copy)]`'s
/// `pod_read_unaligned`; found by this review): a client reading an account of another
/// layout crashed. Fixed: the market's own `AccountDeserialize` refuses it with
/// `AccountDidNotDeserialize`; its layout version is now 3.
#[test]
fn fixed_market_of_another_size_is_an_error_not_a_panic() {
    use anchor_lang::AccountDeserialize;
    let body = vec![0u8; core::mem::size_of::<Market>()];
    let mut ok = Market::DISCRIMINATOR.to_vec();
    ok.extend_from_slice(&body);
    assert!(Market::try_deserialize(&mut ok.as_slice()).is_ok());
    for len in [1_174usize, core::mem::size_of::<Market>() + 8] {
        let mut data = Market::DISCRIMINATOR.to_vec();
        data.extend(std::iter::repeat_n(0u8, len));
        let r = std::panic::catch_unwind(|| Market::try_deserialize(&mut data.as_slice()).is_err());
        assert_eq!(r.ok(), Some(true), "a {len}-byte body");
    }
}
