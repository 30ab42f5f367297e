// Events reach clients only through the program's self-invocations (`emit_cpi!`):
// each is an inner instruction to the program whose data is Anchor's event-CPI tag,
// then the event's discriminator and borsh. Log listeners (`program.addEventListener`,
// `onLogs`) see none of them. Read them from a transaction:
//
//   const tx = await connection.getTransaction(signature, {
//     commitment: "confirmed", maxSupportedTransactionVersion: 0,
//   });
//   for (const e of eventsOfTransaction(program.coder, program.programId.toBase58(), tx)) {
//     console.log(e.name, e.data);
//   }
import { BorshCoder, utils } from "@coral-xyz/anchor";

/** Anchor's event-CPI tag: the first 8 bytes of an event's inner instruction. */
export const EVENT_IX_TAG = new Uint8Array([0xe4, 0x45, 0xa5, 0x2e, 0x51, 0xcb, 0x9a, 0x1d]);

/** The event an inner instruction's data carries, if it is one this IDL knows. */
export function eventsOfInnerInstruction(coder: BorshCoder, data: Uint8Array) {
  if (data.length < 16 || !EVENT_IX_TAG.every((b, i) => data[i] === b)) return null;
  return coder.events.decode(Buffer.from(data.subarray(8)).toString("base64"));
}

/** What `getTransaction` serves (JSON encoding), as far as events need it. */
export interface ServedTransaction {
  transaction: { message: { staticAccountKeys?: { toBase58(): string }[]; accountKeys?: { toBase58(): string }[] } };
  meta: { innerInstructions?: { instructions: { programIdIndex: number; data: string }[] }[] | null } | null;
}

/** Every event of the program `programId` in a served transaction, in emission order. */
export function eventsOfTransaction(coder: BorshCoder, programId: string, tx: ServedTransaction | null) {
  const keys = tx?.transaction.message.staticAccountKeys ?? tx?.transaction.message.accountKeys ?? [];
  const out = [];
  for (const group of tx?.meta?.innerInstructions ?? []) {
    for (const ix of group.instructions) {
      if (keys[ix.programIdIndex]?.toBase58() !== programId) continue;
      const event = eventsOfInnerInstruction(coder, utils.bytes.bs58.decode(ix.data));
      if (event) out.push(event);
    }
  }
  return out;
}
