"""`shoring fleet`: one set of migrations over many databases (tenants, shards): a canary first, then
waves of targets in parallel, halting at the first failure; each target's own history is the truth,
so a rerun carries on where the last one stopped."""
