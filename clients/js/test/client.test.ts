// Run by app/tests/js_client.rs, which dumps real account and event bytes from the
// bank into $HEDGE_JS_FIXTURES/fixtures.json with what the program's own types read in
// them. Decodes each with the Codama client (src/generated) and with
// @coral-xyz/anchor 0.32 on the same IDL, checks every discriminator, and builds
// vault_cancel_deposit with Codama from the owner, the market and two token accounts
// (the request and the event authority come from the IDL's recipes); writes it to
// $HEDGE_JS_FIXTURES/instruction.json for the Rust test to send to the bank.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { address, createNoopSigner } from "@solana/kit";
import { BorshCoder, type Idl } from "@coral-xyz/anchor";
import * as hedge from "../src/generated/index";
import { eventsOfInnerInstruction } from "../src/events";

const dir = process.env.HEDGE_JS_FIXTURES;
if (!dir) throw new Error("set HEDGE_JS_FIXTURES (app/tests/js_client.rs does)");
const fx = JSON.parse(readFileSync(join(dir, "fixtures.json"), "utf8"));
const idl = JSON.parse(readFileSync(new URL("../../../idl/hedge_vault.json", import.meta.url), "utf8")) as Idl;
const anchor = new BorshCoder(idl);

const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, "base64"));
const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
// A decoded field as a string: bigint, BN, Address, PublicKey, number and bool alike.
const str = (obj: Record<string, unknown>, key: string) => String(obj[key] ?? obj[snake(key)]);

const codamaAccounts: Record<string, { decode: (b: Uint8Array) => Record<string, unknown>; disc: Uint8Array }> = {
  Market: { decode: (b) => hedge.getMarketDecoder().decode(b), disc: hedge.MARKET_DISCRIMINATOR },
  Position: { decode: (b) => hedge.getPositionDecoder().decode(b), disc: hedge.POSITION_DISCRIMINATOR },
  Request: { decode: (b) => hedge.getRequestDecoder().decode(b), disc: hedge.REQUEST_DISCRIMINATOR },
  Stake: { decode: (b) => hedge.getStakeDecoder().decode(b), disc: hedge.STAKE_DISCRIMINATOR },
};

test("accounts from the bank decode field for field, with both clients", () => {
  for (const [name, acc] of Object.entries(fx.accounts) as [string, any][]) {
    const data = bytes(acc.data);
    const c = codamaAccounts[name];
    assert.deepEqual([...c.disc], acc.discriminator, `${name}: Codama's discriminator`);
    assert.deepEqual([...data.subarray(0, 8)], acc.discriminator, `${name}: the bytes' discriminator`);
    const viaCodama = c.decode(data);
    const viaAnchor = anchor.accounts.decode(name, Buffer.from(data));
    const anchorDisc = idl.accounts!.find((a) => a.name === name)!.discriminator;
    assert.deepEqual(anchorDisc, acc.discriminator, `${name}: the IDL's discriminator`);
    for (const [k, v] of Object.entries(acc.fields)) {
      assert.equal(str(viaCodama, k), v, `${name}.${k} (Codama)`);
      assert.equal(str(viaAnchor, k), v, `${name}.${k} (@coral-xyz/anchor)`);
    }
  }
});

const codamaEvents: Record<string, (b: Uint8Array) => Record<string, unknown>> = {
  VaultDeposited: (b) => hedge.getVaultDepositedDecoder().decode(b),
  FundingUpdated: (b) => hedge.getFundingUpdatedDecoder().decode(b),
  PositionTraded: (b) => hedge.getPositionTradedDecoder().decode(b),
};

test("events from the bank's inner instructions decode field for field, with both clients", () => {
  for (const ev of fx.events) {
    // What a client reads out of getTransaction's innerInstructions (src/events.ts).
    const found = eventsOfInnerInstruction(anchor, bytes(ev.ixData));
    assert.equal(found?.name, ev.name, "@coral-xyz/anchor names the event");
    const payload = bytes(ev.ixData).subarray(8);
    const viaCodama = codamaEvents[ev.name](payload);
    for (const [k, v] of Object.entries(ev.fields)) {
      assert.equal(str(viaCodama, k), v, `${ev.name}.${k} (Codama)`);
      assert.equal(str(found!.data as Record<string, unknown>, k), v, `${ev.name}.${k} (@coral-xyz/anchor)`);
    }
  }
});

test("Codama builds vault_cancel_deposit, deriving the request and the event authority", async () => {
  const c = fx.cancel;
  const ix = await hedge.getVaultCancelDepositInstructionAsync({
    owner: createNoopSigner(address(c.owner)),
    market: address(c.market),
    ownerToken: address(c.ownerToken),
    collateralVault: address(c.collateralVault),
  });
  assert.equal(ix.programAddress, fx.program);
  const keys = ix.accounts.map((a) => a.address as string);
  assert.ok(keys.includes(fx.request), "the request's address from its recipe");
  assert.ok(keys.includes(fx.eventAuthority), "the event authority's address from its recipe");
  // The same addresses from the generated PDA helpers.
  const [eventAuthority] = await hedge.findEventAuthorityPda();
  assert.equal(eventAuthority, fx.eventAuthority);
  writeFileSync(
    join(dir, "instruction.json"),
    JSON.stringify({
      programAddress: ix.programAddress,
      accounts: ix.accounts.map((a) => ({ address: a.address, role: a.role })),
      data: Buffer.from(ix.data).toString("base64"),
    }),
  );
});
