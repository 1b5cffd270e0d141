import Foundation
import LabPipeline
import TestSupport
import Testing

@testable import Remote

/// The password database read reentrantly, as `getent passwd` reads it.
@Suite struct PasswordEntryTests {
  @Test func readsThisUserAndAnAccountByNameAsGetentDoes() async throws {
    let entry = try #require(PasswordEntry(uid: getuid()))
    let byUID = await SpawnedProcess.completed(["/usr/bin/getent", "passwd", String(getuid())])
    let fields = byUID.output.trimmingCharacters(in: .newlines).split(
      separator: ":", omittingEmptySubsequences: false)
    #expect(fields.count == 7, "\(byUID.output)")
    #expect(
      entry.name == fields.first.map(String.init) && entry.home == fields.dropFirst(5).first.map(String.init))
    #expect(PasswordEntry(name: entry.name) == entry)
    #expect(PasswordEntry(name: "no-such-account-\(UUID().uuidString.prefix(8))") == nil)
  }

  /// Many threads at once (a fleet opening its transports) all read the same account.
  @Test func concurrentLookupsAllReadTheSameAccount() async throws {
    let expected = try #require(PasswordEntry(uid: getuid()))
    let wrong = await BlockingWork.run {
      DispatchQueue.concurrentPerform(iterations: 8) { _ in
        for _ in 0..<500 { precondition(PasswordEntry(uid: getuid()) == expected) }
      }
      return 0
    }
    #expect(wrong == 0)
  }
}
