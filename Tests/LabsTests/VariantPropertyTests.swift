import Foundation
import LabPipeline
import Labs
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

  static func bundle(_ name: String) throws -> EvidenceBundle {
    let copy = try EvidenceFixture(copying: Fixtures.bundle(name), checksums: .compute)
    defer { copy.remove() }
    return try EvidenceBundle.load(directory: copy.directory)
  }

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
    let kind = try #require(EvidenceVariant(rawValue: variant))
    let broken = try await Self.violations {
      let bundle = try Self.bundle(fixture)
      let original = try Self.judge(bundle)
      let varied = try Self.judge(kind.apply(to: bundle))
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
      let bundle = try Self.bundle(fixture)
      let original = try Self.judge(bundle)
      let varied = try Self.judge(EvidenceVariant.allCombined(bundle))
      guard
        varied.exercises.map(\.verdict) != original.exercises.map(\.verdict)
          || varied.status != original.status
      else { return [] }
      return ["\(fixture), all variants: \(varied.status) \(varied.exercises.map(\.reason))"]
    }
    #expect(broken.isEmpty, "\(broken)")
  }

  /// The verdicts and the status of `bundle`, without the Environment table and the page.
  static func judge(_ bundle: EvidenceBundle) throws -> (
    exercises: [ExerciseResult], status: ValidationStatus
  ) {
    let lab = try LabRegistry.validation(for: bundle)
    let results = lab.results(for: bundle)
    return (results, Verifier.status(of: results, bundle: bundle, expectedCount: lab.checks.count).0)
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
      let original = try Self.judge(bundle)
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
      let bundle = try Self.bundle(fixture)
      guard try Self.judge(bundle).status != .validated else { return [] }
      let variants =
        EvidenceVariant.allCases.map { ($0.rawValue, $0.apply(to: bundle)) }
        + [("all formats", EvidenceVariant.allCombined(bundle))]
      return try variants.filter { try Self.judge($0.1).status == .validated }.map { "\(fixture) as \($0.0)" }
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
