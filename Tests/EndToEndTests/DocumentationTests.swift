import Foundation
import TestSupport
import Testing

/// The repository's documentation stands on its own: it cites no file users do not have, says
/// no section is waiting to be folded in, and what the README says of the committed real run
/// is what that run's run.json records.
@Suite struct DocumentationTests {
  /// Tracked text a user or maintainer reads: docs, READMEs, lab files, sources.
  static func documents() throws -> [(path: String, text: String)] {
    let root = try TestPackage.root()
    let listed = SpawnedProcess.run(["/usr/bin/git", "-C", root.path, "ls-files"])
    try #require(listed.status == 0, "git ls-files: \(listed.output)")
    let kept = [".md", ".swift", ".yaml", ".yml", ".cu", "Makefile"]
    return try listed.output.split(separator: "\n").map(String.init)
      .filter { path in !path.hasPrefix("docs/evidence/") && kept.contains { path.hasSuffix($0) } }
      .filter { !$0.hasSuffix("DocumentationTests.swift") }
      .map { ($0, try String(contentsOf: root.appendingPathComponent($0), encoding: .utf8)) }
  }

  /// Defect: DESIGN.md was cited by lab.yaml, a README and sources, but is not in the
  /// repository; docs/verifier.md and docs/engine.md said they were "ready to fold in".
  @Test func citesOnlyWhatTheRepositoryHolds() throws {
    for (path, text) in try Self.documents() {
      #expect(!text.contains("DESIGN.md"), "\(path) cites DESIGN.md, which is not in the repository")
      #expect(!text.contains("../shared"), "\(path) points outside the repository (../shared)")
      #expect(!text.lowercased().contains("fold in"), "\(path) says it is waiting to be folded in")
      #expect(!text.contains("folded into the README"), "\(path) says it is waiting to be folded in")
    }
    let verifier = try String(
      contentsOf: try TestPackage.root().appendingPathComponent("docs/verifier.md"), encoding: .utf8)
    #expect(!verifier.contains("all five exercises"), "hami-core-isolation has six")
  }

  /// Defect: the lab README numbered two `up` steps 4. Its steps are numbered 1, 2, 3, … in
  /// the order the lab runs them.
  @Test func theLabReadmeNumbersItsStepsInOrder() throws {
    let readme = try String(
      contentsOf: try TestPackage.lab("hami-isolation-realgpu").appendingPathComponent("README.md"),
      encoding: .utf8)
    let section =
      try #require(readme.components(separatedBy: "## What `up` does").dropFirst().first)
      .components(separatedBy: "\n## ").first ?? ""
    let numbers = section.matches(of: #/(\d+)\. \*\*[a-z0-9-]+\*\*/#).compactMap { Int($0.output.1) }
    #expect(numbers == Array(1...max(numbers.count, 1)), "\(numbers)")
    #expect(numbers.count == 9, "preflight … hami: \(numbers)")
  }

  /// The README's account of the committed hami-core-isolation runs (the newest one's duration,
  /// the HAMi-core commit and driver) agrees with their run.json and pages.
  @Test(arguments: ["20261202T060750Z-local", "20261207T173115Z-local", "20261207T190312Z-local"])
  func theReadmeAgreesWithTheCommittedRun(id: String) throws {
    let root = try TestPackage.root()
    let run = root.appendingPathComponent("docs/evidence/\(id)")
    let data = try Data(contentsOf: run.appendingPathComponent("run.json"))
    let record = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let parameters = record["parameters"] as? [String: Any] ?? [:]
    let dates = ISO8601DateFormatter()
    let started = try #require((record["started_at"] as? String).flatMap(dates.date(from:)))
    let finished = try #require((record["finished_at"] as? String).flatMap(dates.date(from:)))
    let seconds = Int(finished.timeIntervalSince(started))
    let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
    if id == "20261207T173115Z-local" {
      #expect(readme.contains("took \(seconds / 60)m\(seconds % 60)s"), "run.json: \(seconds) s")
    }
    let commit = try #require(parameters["hami_core_commit"] as? String)
    #expect(readme.contains("with HAMi-core \(commit)\n") || readme.contains("with HAMi-core \(commit) "))
    let page = try String(contentsOf: run.appendingPathComponent("validation.md"), encoding: .utf8)
    for fact in ["driver 580.159.04", "CUDA 13.0"] where readme.contains(fact) {
      let bare = fact.replacingOccurrences(of: "driver ", with: "")
      #expect(page.contains(bare), "the README says \(fact); the page does not")
    }
  }
}
