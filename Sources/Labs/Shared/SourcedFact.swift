/// A fact read from the evidence and the artifact file it was read from, so the page can say
/// where each environment fact came from.
public struct SourcedFact<Value: Sendable & Hashable>: Sendable, Hashable {
  public var value: Value
  /// The artifact file (or `run.json`) that showed it.
  public var file: String

  public init(_ value: Value, from file: String) {
    self.value = value
    self.file = file
  }
}
