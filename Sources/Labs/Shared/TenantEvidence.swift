import LabPipeline

/// The evidence of a lab that shares one card between tenant processes it starts itself
/// (hami-core-isolation: HAMi-core preloaded; mps-isolation: MPS clients): the tenants, the card,
/// and how the lab names them. Exercises 3 and 4 (the memory cap, alone and side by side) are
/// judged here, the same way for every such lab; each lab's check says only its heading and words.
protocol TenantEvidence: CheckEvidence {
  var bundle: EvidenceBundle { get }
  /// The tenants from run.json's `tenants`; nil when not recorded.
  var tenants: [CardTenant]? { get }
  var card: HostGPUCard { get }
  static var naming: TenantNaming { get }
  /// The pids the mechanism's daemon saw connect (``MemoryCapRule/connectedClients``); nil
  /// when the mechanism has no daemon or the bundle holds no log of it.
  var connectedClients: Set<Int>? { get }
}

extension TenantEvidence {
  var connectedClients: Set<Int>? { nil }
}

/// How a tenant lab names its tenants and their slices, which artifacts hold each tenant's
/// probes, and what witnesses a refusal at the slice.
struct TenantNaming: Sendable {
  /// "tenant", "client".
  var tenant: String
  /// "slice", "pinned limit".
  var slice: String
  /// "slices", "pinned limits".
  var slices: String
  /// The mechanism's witness of a refusal at the slice (``MemoryCapRule/Witness``).
  var witness: MemoryCapRule.Witness
  /// The host's GPU artifact (`0-host-gpu.txt`).
  var hostGPU: String
  /// A tenant's artifact when it ran alone (exercises 2, 3, 5).
  var tenantAlone: @Sendable (String) -> String
  /// A tenant's artifact when it ran beside the others (exercises 1, 4).
  var tenantConcurrent: @Sendable (String) -> String
}

extension TenantEvidence {
  /// The tenants, or INCONCLUSIVE when run.json does not say them.
  func requireTenants() throws(Inconclusive) -> [CardTenant] {
    guard let tenants else {
      throw Inconclusive(reason: "run.json has no readable `tenants`: the \(Self.naming.slices) are unknown")
    }
    return tenants
  }

  /// Exercise 3's rule for `tenant`.
  func memoryCap(_ tenant: CardTenant) -> MemoryCapRule {
    MemoryCapRule(
      who: "\(Self.naming.tenant) \(tenant.name)", sliceMiB: tenant.sliceMiB,
      slice: "its \(tenant.sliceMiB) MiB \(Self.naming.slice)",
      card: (card.memoryMiB?.value).map { ($0, "the card's physical \($0) MiB") },
      witness: Self.naming.witness, connectedClients: connectedClients)
  }

  /// Calls `body` with each tenant's artifact `file(tenant)`, cited, in the tenants' order; a
  /// missing one is a gap in its place (`FILE missing`, then `: MISSING NAME` when `missing` is
  /// given).
  func forEachArtifact(
    of tenants: [CardTenant], file: (String) -> String, missing: String? = nil, _ outcome: inout CheckOutcome,
    _ body: (CardTenant, String, Artifact, inout CheckOutcome) -> Void
  ) {
    for tenant in tenants {
      let name = file(tenant.name)
      guard let artifact = bundle.artifact(name) else {
        outcome.gaps.append("\(name) missing" + (missing.map { ": \($0) \(tenant.name)" } ?? ""))
        continue
      }
      outcome.cite(artifact)
      body(tenant, name, artifact, &outcome)
    }
  }

  /// Each tenant's memory probe in `file(tenant)` judged by exercise 3's rule; returns the
  /// tenants whose refusal was read.
  func memoryReadings(
    _ tenants: [CardTenant], file: (String) -> String, missing: String, _ outcome: inout CheckOutcome
  ) -> [(tenant: CardTenant, reading: MemoryCapRule.Reading)] {
    var shown: [(tenant: CardTenant, reading: MemoryCapRule.Reading)] = []
    forEachArtifact(of: tenants, file: file, missing: missing, &outcome) { tenant, name, artifact, outcome in
      if let reading = memoryCap(tenant).judge(artifact.outputLines, file: name, &outcome) {
        shown.append((tenant, reading))
      }
    }
    return shown
  }

  /// Each tenant's memory probe in `file(tenant)` judged by exercise 3's rule (a missing one is a
  /// gap: `MISSING NAME`); the outcome's failures, then gaps, decide; else `decide` does.
  func judgeReadings(
    file: (String) -> String, missing: String, _ outcome: inout CheckOutcome,
    decide: ([CardTenant], [(tenant: CardTenant, reading: MemoryCapRule.Reading)], inout CheckOutcome) ->
      Finding
  ) throws(Inconclusive) -> Finding {
    let tenants = try requireTenants()
    let shown = memoryReadings(tenants, file: file, missing: missing, &outcome)
    if let decided = outcome.decided { return decided }
    return decide(tenants, shown, &outcome)
  }

  /// Exercise 3: each tenant alone refused at its own slice, the card with room beyond every
  /// refusal. `refused` opens the PASS reason; `summary` words each tenant's refusal.
  func judgeMemoryCap(
    _ outcome: inout CheckOutcome, refused: String,
    summary: (CardTenant, MemoryCapRule.Reading) -> String
  ) throws(Inconclusive) -> Finding {
    let naming = Self.naming
    return try judgeReadings(file: naming.tenantAlone, missing: "no probe for \(naming.tenant)", &outcome) {
      _, shown, outcome in
      outcome.cite(bundle.artifact(naming.hostGPU))
      guard let cardMiB = card.memoryMiB?.value else {
        return Finding(
          .inconclusive,
          "the card's memory is unknown (\(naming.hostGPU)): cannot show it had room beyond the refusal")
      }
      if let cramped = MemoryCapRule.roomBeyond(
        shown.map { ($0.reading.who, $0.reading.refusedMiB) }, cardMiB: cardMiB)
      {
        return cramped
      }
      let minRefusal = shown.map(\.reading.refusedMiB).min() ?? 0
      let freeGB = (cardMiB - minRefusal).roundedGB
      return Finding(
        .pass,
        refused + shown.map(summary).joined(separator: "; ")
          + "; the card has \(cardMiB) MiB (~\(freeGB) GB beyond the smallest refusal)",
        facts: [
          "card_mib": String(cardMiB), "free_gb": String(freeGB),
          "refusals": shown.map { "\($0.reading.refusedMiB)" }.joined(separator: ","),
        ])
    }
  }

  /// Exercise 4: the tenants side by side, each held to its own slice by exercise 3's rule;
  /// tenants with one slice cannot tell a limit applied to all apart (`sameSlice` says why).
  func judgePerTenantLimits(
    _ outcome: inout CheckOutcome, sameSlice: (Int) -> String, held: String,
    summary: (CardTenant, MemoryCapRule.Reading) -> String
  ) throws(Inconclusive) -> Finding {
    let naming = Self.naming
    return try judgeReadings(
      file: naming.tenantConcurrent, missing: "did not run side by side: \(naming.tenant)", &outcome
    ) { tenants, shown, _ in
      if Set(tenants.map(\.sliceMiB)).count < 2 {
        return Finding(.inconclusive, sameSlice(tenants[0].sliceMiB))
      }
      return Finding(.pass, held + shown.map(summary).joined(separator: "; "))
    }
  }
}
