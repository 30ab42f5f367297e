// Anchor's deploy hook. Markets are created with the `hedge` client after deployment,
// so there is nothing to do here.
module.exports = async function (_provider: unknown) {};
