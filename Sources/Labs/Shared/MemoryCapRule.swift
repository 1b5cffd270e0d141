import Foundation
import LabPipeline

/// Exercise 3's rule, for any lab: one memory probe's output judged against the slice its
/// process was given. Parameterised by who ran it ("pod hami-share-a", "tenant a", "client a"),
/// how the card is described, and which mechanism's witness shows the refusal was the cap's.
///
/// Contradictions are noted first and decide whatever else is missing: allocations or a refusal
/// past the slice (near the card's size, 90 % of it or more, the reason says so); with HAMi-core,
/// an OOM line naming a limit other than slice × 1048576 (unless another OOM line names exactly
/// that limit; a line whose usage counter underflowed, HAMi issue #1181, still names the limit
/// enforced), and a `Limit inconsistency … get Y` line with Y other than the slice (a stale
/// shared cache). Only then is something missing a gap: no probe output, no refusal, a refusal
/// far below the slice (under half), no witness of the refusal.
struct MemoryCapRule: Sendable {
  /// What shows that the refusal was the mechanism's cap.
  enum Witness: Sendable {
    /// HAMi-core's `Device N OOM requested / limit` line naming exactly the slice.
    case hamiCoreOOM
    /// The error the client got at the refusal (`cudaMalloc refused after N MiB allocated: out
    /// of memory`), from a mechanism that logs no line of its own (MPS's pinned memory limit).
    case clientError(mechanism: String)
  }

  /// What one probe showed when nothing contradicted the cap and nothing was missing.
  struct Reading: Sendable {
    var who: String
    var sliceMiB: Int
    var refusedMiB: Int
    var refusalLine: String
    /// HAMi-core's OOM line, under ``Witness/hamiCoreOOM``.
    var oom: HAMiCoreLog.OOMLine?

    /// `a (4000 MiB) refused after 3328 MiB, OOM … / L (= exactly S MiB)` for the page.
    func summary(name: String) -> String {
      let base = "\(name) (\(sliceMiB) MiB) refused after \(refusedMiB) MiB"
      guard let oom else { return base }
      return base
        + ", OOM \(oom.requestedBytes.map(String.init) ?? "?") / \(UInt64(sliceMiB) * 1_048_576) (= exactly \(sliceMiB) MiB)"
    }
  }

  var who: String
  var sliceMiB: Int
  /// How the slice is named in reasons: "its 4000 MiB slice", "the 4000 MiB slice".
  var slice: String
  /// The card's memory and how to name it ("the card's physical 81559 MiB"); nil when unknown.
  var card: (mib: Int, words: String)?
  var witness: Witness
  /// The pids the mechanism's daemon saw connect (MPS's control.log `NEW CLIENT N` lines); nil
  /// when the mechanism has no daemon (HAMi-core) or the bundle holds no log of it. A probe whose
  /// pid is not among them ran outside the mechanism (an MPS client whose pipe directory has no
  /// daemon runs unlimited, silently): its figures say nothing of the cap, whatever they show.
  var connectedClients: Set<Int>? = nil

  /// Notes the failures and gaps `lines` of `file` show; returns the reading when neither.
  func judge(_ lines: [String], file: String, _ outcome: inout CheckOutcome) -> Reading? {
    let limitBytes = UInt64(sliceMiB) * 1_048_576
    let ooms = HAMiCoreLog.oomLines(in: lines)
    let probe = ProbeOutput(lines: lines)
    let failuresBefore = outcome.failures.count
    let enforcer: String
    switch witness {
    case .hamiCoreOOM: enforcer = "HAMi-core"
    case .clientError(let mechanism): enforcer = mechanism
    }
    // Setup first (docs/design.md): a client the daemon never saw was not under the mechanism.
    if let probe,
      let gap = DaemonClientWitness.gap(
        who: who, pid: probe.pid, connected: connectedClients, mechanism: enforcer, file: file,
        about: "its allocations say nothing of \(slice)")
    {
      outcome.gaps.append(gap)
      return nil
    }

    if let probe, let allocated = probe.maxAllocatedMiB, allocated > sliceMiB,
      allocated > (probe.refusedAfterMiB ?? 0)
    {
      outcome.excerpt += probe.maxAllocatedLine.map { [$0] } ?? []
      outcome.failures.append(
        "\(who) allocated \(allocated) MiB, past \(slice)"
          + (probe.refusedAfterMiB == nil ? ", with no refusal: no cap" : ""))
    } else if let probe, let refused = probe.refusedAfterMiB, refused > sliceMiB {
      outcome.excerpt += probe.refusalLine.map { [$0] } ?? []
      if let card, refused * 10 >= card.mib * 9 {
        outcome.failures.append(
          "\(who) was refused only after \(refused) MiB, near \(card.words): \(slice) was not enforced")
      } else if case .hamiCoreOOM = witness, ooms.isEmpty {
        outcome.failures.append(
          "\(who) was refused only after \(refused) MiB, above \(slice), with no HAMi-core OOM line: "
            + "the slice was not enforced")
      } else {
        outcome.failures.append("\(who) was refused after \(refused) MiB, above \(slice)")
      }
    }
    if case .hamiCoreOOM = witness {
      if !ooms.contains(where: { $0.limitBytes == limitBytes }),
        let wrong = ooms.first(where: { $0.limitBytes != limitBytes })
      {
        outcome.excerpt.append(wrong.line)
        let limit = wrong.limitBytes.map { "\($0) B" } ?? "beyond 64 bits"
        let underflow =
          wrong.usageUnderflowed ? ", on a line whose usage counter underflowed (HAMi issue #1181)" : ""
        outcome.failures.append(
          "HAMi-core's limit for \(who) is \(limit), not \(limitBytes) B (\(slice))\(underflow)")
      }
      if let stale = HAMiCoreLog.limitInconsistencies(in: lines).first(where: {
        $0.effectiveBytes != limitBytes
      }) {
        outcome.excerpt.append(stale.line)
        outcome.failures.append(
          "HAMi-core in \(who) enforced \(stale.effectiveBytes.map { "\($0) B" } ?? "another limit") from a stale "
            + "shared cache file, not \(limitBytes) B")
      }
    }
    if outcome.failures.count > failuresBefore { return nil }

    guard let probe else {
      outcome.gaps.append("no probe output (`cudaMalloc refused after N MiB`) for \(who) in \(file)")
      return nil
    }
    guard let refused = probe.refusedAfterMiB, let refusalLine = probe.refusalLine else {
      outcome.gaps.append("no refusal line for \(who) in \(file): the probe did not finish")
      return nil
    }
    outcome.excerpt.append(refusalLine)
    if refused * 2 < sliceMiB {
      outcome.gaps.append(
        "\(who) was refused after only \(refused) MiB, far below \(slice): that shows no cap at the slice")
      return nil
    }
    guard case .hamiCoreOOM = witness else {
      return Reading(who: who, sliceMiB: sliceMiB, refusedMiB: refused, refusalLine: refusalLine, oom: nil)
    }
    guard let oom = ooms.first(where: { $0.limitBytes == limitBytes && $0.showsRefusal }) else {
      if let underflowed = ooms.first(where: { $0.limitBytes == limitBytes }) {
        outcome.excerpt.append(underflowed.line)
        outcome.gaps.append(
          "the only HAMi-core OOM line for \(who) in \(file) naming the slice has an underflowed usage counter "
            + "(HAMi issue #1181): it shows no request refused at the slice")
      } else if let error = HAMiCoreLog.allocatorErrorsWithoutLimit(in: lines).first {
        outcome.excerpt.append(error)
        outcome.gaps.append(
          "\(enforcer) logged a refusal for \(who) in \(file) but no `Device N OOM requested / limit` line names its limit"
        )
      } else {
        outcome.gaps.append("no HAMi-core OOM line for \(who) in \(file): nothing shows HAMi-core refused it")
      }
      return nil
    }
    outcome.excerpt.append(oom.line)
    return Reading(who: who, sliceMiB: sliceMiB, refusedMiB: refused, refusalLine: refusalLine, oom: oom)
  }

  /// "Room for more": INCONCLUSIVE when the card had less than 1 GiB beyond a refusal (it may
  /// have been physical), naming each; nil when every refusal left room.
  static func roomBeyond(_ refusals: [(who: String, refusedMiB: Int)], cardMiB: Int) -> Finding? {
    let cramped = refusals.filter { cardMiB - $0.refusedMiB < 1024 }
    guard !cramped.isEmpty else { return nil }
    return Finding(
      .inconclusive,
      cramped.map { "the card (\(cardMiB) MiB) had no room beyond \($0.refusedMiB) MiB for \($0.who)" }
        .joined(separator: "; ") + ": the refusal may be physical")
  }
}
