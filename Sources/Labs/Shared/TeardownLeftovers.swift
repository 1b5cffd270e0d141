import Foundation
import LabPipeline

/// What a lab's verify-clean step found left on the host, each with how to remove it by hand,
/// and the rule both labs follow: fail naming each and the ways on, or, with
/// `down --accept-leftovers` (``LifecycleOptions/acceptLeftovers``), say and record them and let
/// the teardown finish (the host is released; the user removes the rest).
struct TeardownLeftovers: Sendable, Hashable {
  /// One thing left, in words, and the command that removes it when there is one.
  struct Item: Sendable, Hashable {
    var what: String
    var removal: String?

    init(_ what: String, removal: String? = nil) {
      self.what = what
      self.removal = removal
    }

    var text: String { removal.map { "\(what) (remove it with `\($0)`)" } ?? what }
  }

  /// The verify-clean step's recorded output: what was left when the user accepted it.
  struct Output: Codable, Sendable, Hashable {
    var left: [String]
  }

  var items: [Item]

  init(_ items: [Item]) { self.items = items }

  /// Nothing left: an empty output. Something left: fails saying what and how to go on, or,
  /// when the user accepted leftovers, notes them and returns them for the ledger.
  func finish(_ ctx: StepContext) throws -> Output {
    guard !items.isEmpty else { return Output(left: []) }
    let text = items.map(\.text).joined(separator: "; ")
    guard ctx.options.acceptLeftovers else {
      throw StepError.unexpected(
        "teardown left: \(text). Remove them by hand (if one comes back, stop what re-adds it) and run "
          + "`labrun down` again, which verifies and releases the host; or finish the teardown leaving them "
          + "with `labrun down --accept-leftovers`")
    }
    ctx.note("--accept-leftovers: left on the host: \(text); remove them by hand")
    return Output(left: items.map(\.what))
  }
}
