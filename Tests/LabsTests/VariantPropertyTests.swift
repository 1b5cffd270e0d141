import Foundation
import LabPipeline
import Labs
import Synchronization
import TestSupport
import Testing

/// Properties of the verifier over every fixture bundle and every variant of it
/// (``EvidenceVariant``): a format variant never changes a verdict; a truncation may turn any
/// verdict into INCONCLUSIVE but never moves one towards PASS; no variant of a bundle that is
/// not VALIDATED is ever VALIDATED.
///
/// Serialized: each test judges hundreds of bundles, and the suite must leave a core to the
/// timing-sensitive tests that run beside it.
@Suite(.serialized) struct VariantPropertyTests {
  /// Every fixture bundle: hand-built, real H100 captures, HAMi's Lab 7 and its failing forms.
  static let fixtures = [
    "a6000-validated", "h100-validated", "runc-default-runtime", "view-virtualized-no-cap",
    "oversubscribe-running", "probe-b-missing", "slice-mismatch", "simulated", "hami-lab7-k3s",
    "hami-lab7-no-cap", "hami-lab7-underflow", "hami-lab7-runc",
  ]

  /// The fixture bundle `name`, loaded once: every test reads the same dozen bundles.
  static func bundle(_ name: String) throws -> EvidenceBundle {
    if let loaded = loaded.withLock({ $0[name] }) { return loaded }
    let copy = try EvidenceFixture(copying: Fixtures.bundle(name), checksums: .compute)
    defer { copy.remove() }
    let bundle = try EvidenceBundle.load(directory: copy.directory)
    loaded.withLock { $0[name] = bundle }
    return bundle
  }

  private static let loaded = Mutex<[String: EvidenceBundle]>([:])

  /// What the verifier made of a bundle.
  struct Judgment: Sendable {
    let exercises: [ExerciseResult]
    let status: ValidationStatus
  }

  /// The judgment of `fixture` as it is (`variant` nil) or as one format variant (its raw value,
  /// or "all formats"), reached once: the tests ask for the same ones (judging is a pure function
  /// of the bundle), and judging each again cost half of this suite's time.
  static func judgment(of fixture: String, as variant: String?) throws -> Judgment {
    let key = fixture + "/" + (variant ?? "")
    if let known = Self.judged.withLock({ $0[key] }) { return known }
    let bundle = try Self.bundle(fixture)
    let reached: Judgment
    switch variant {
    case nil: reached = try judge(bundle)
    case "all formats": reached = try judge(EvidenceVariant.allCombined(bundle))
    case let name?:
      guard let kind = EvidenceVariant(rawValue: name) else { throw VariantError.unknown(name) }
      reached = try judge(kind.apply(to: bundle))
    }
    judged.withLock { $0[key] = reached }
    return reached
  }

  private static let judged = Mutex<[String: Judgment]>([:])

  enum VariantError: Error { case unknown(String) }

  /// FAIL < INCONCLUSIVE < PASS.
  static func rank(_ verdict: Verdict) -> Int {
    switch verdict {
    case .fail: return 0
    case .inconclusive: return 1
    case .pass: return 2
    }
  }

  /// Judges on a thread of its own and returns what broke the property, one line each;
  /// expectations are then made on the test's task, where Swift Testing records them.
  static func violations(_ check: @escaping @Sendable () throws -> [String]) async throws -> [String] {
    try await BlockingWork.run(priority: .lowest, check)
  }

  @Test(arguments: fixtures, EvidenceVariant.allCases.map(\.rawValue))
  func formatVariantNeverChangesAVerdict(fixture: String, variant: String) async throws {
    #expect(EvidenceVariant(rawValue: variant) != nil)
    let broken = try await Self.violations {
      let original = try Self.judgment(of: fixture, as: nil)
      let varied = try Self.judgment(of: fixture, as: variant)
      guard
        varied.exercises.map(\.verdict) != original.exercises.map(\.verdict)
          || varied.status != original.status
      else { return [] }
      return ["\(fixture) as \(variant): \(varied.status) \(varied.exercises.map(\.reason))"]
    }
    #expect(broken.isEmpty, "\(broken)")
  }

  @Test(arguments: fixtures)
  func allFormatVariantsAtOnceChangeNoVerdict(fixture: String) async throws {
    let broken = try await Self.violations {
      let original = try Self.judgment(of: fixture, as: nil)
      let varied = try Self.judgment(of: fixture, as: "all formats")
      guard
        varied.exercises.map(\.verdict) != original.exercises.map(\.verdict)
          || varied.status != original.status
      else { return [] }
      return ["\(fixture), all variants: \(varied.status) \(varied.exercises.map(\.reason))"]
    }
    #expect(broken.isEmpty, "\(broken)")
  }

  /// The verdicts and the status of `bundle`, without the Environment table and the page.
  static func judge(_ bundle: EvidenceBundle) throws -> Judgment {
    let lab = try LabRegistry.validation(for: bundle)
    let results = lab.results(for: bundle)
    return Judgment(
      exercises: results,
      status: Verifier.status(of: results, bundle: bundle, expectedCount: lab.checks.count).0)
  }

  /// Truncations are judged on the fixtures of every kind of outcome (all PASS, FAILs in each
  /// exercise, INCONCLUSIVE, real formats): judging every truncation of every fixture takes
  /// minutes on a shared two-core machine.
  static let truncationFixtures = [
    "a6000-validated", "runc-default-runtime", "oversubscribe-running", "probe-b-missing", "hami-lab7-k3s",
    "hami-lab7-no-cap", "hami-lab7-underflow",
  ]

  @Test(arguments: truncationFixtures)
  func truncationNeverMovesAVerdictTowardsPass(fixture: String) async throws {
    let (count, broken) = try await BlockingWork.run(priority: .lowest) { () throws -> (Int, [String]) in
      let bundle = try Self.bundle(fixture)
      let original = try Self.judgment(of: fixture, as: nil)
      var broken: [String] = []
      let truncations = EvidenceVariant.truncations(of: bundle)
      for (description, truncated) in truncations {
        let report = try Self.judge(truncated)
        for (before, after) in zip(original.exercises, report.exercises)
        where after.verdict != .inconclusive && Self.rank(after.verdict) > Self.rank(before.verdict) {
          broken.append(
            "\(description): exercise \(before.id) \(before.verdict.rawValue) → \(after.verdict.rawValue): \(after.reason)"
          )
        }
        if original.status != .validated, report.status == .validated {
          broken.append("\(description) is VALIDATED")
        }
      }
      return (truncations.count, broken)
    }
    #expect(count > 20, "too few truncations of \(fixture)")
    #expect(broken.isEmpty, "\(fixture): \(broken)")
  }

  /// (Truncations are checked for this in ``truncationNeverMovesAVerdictTowardsPass(fixture:)``.)
  @Test(arguments: fixtures)
  func noFormatVariantOfABundleThatIsNotValidatedIsValidated(fixture: String) async throws {
    let broken = try await Self.violations {
      guard try Self.judgment(of: fixture, as: nil).status != .validated else { return [] }
      let variants = EvidenceVariant.allCases.map(\.rawValue) + ["all formats"]
      return try variants.filter { try Self.judgment(of: fixture, as: $0).status == .validated }
        .map { "\(fixture) as \($0)" }
    }
    #expect(broken.isEmpty, "\(broken)")
  }

  /// The generator really varies the text: each variant changes some artifact's bytes, and the
  /// header variant removes kubectl headers a parser could otherwise lean on.
  @Test(arguments: EvidenceVariant.allCases.map(\.rawValue))
  func eachVariantChangesTheBytes(variant: String) throws {
    let bundle = try Self.bundle("hami-lab7-k3s")
    let varied = try #require(EvidenceVariant(rawValue: variant)).apply(to: bundle)
    let changed = bundle.artifactNames.filter { bundle.artifact($0)?.sha256 != varied.artifact($0)?.sha256 }
    #expect(!changed.isEmpty)
    if variant == EvidenceVariant.withoutHeaders.rawValue {
      let listing = try #require(varied.artifact("1-co-residency.txt")).text
      #expect(!listing.contains("READY"))
      let events = try #require(varied.artifact("4-oversubscribe-events.txt")).text
      #expect(!events.contains("Reason"))
    }
  }
}
