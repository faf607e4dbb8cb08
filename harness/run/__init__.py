"""Running translations: config and registry, the plan, the engine that sends work to a
provider, pacing, caching, resuming, shards and merging."""
