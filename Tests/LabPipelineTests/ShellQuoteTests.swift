import Testing

@testable import LabPipeline

@Suite struct ShellQuoteTests {
  @Test(arguments: [
    ("plain", "plain"),
    ("", "''"),
    ("a b", "'a b'"),
    ("it's", "'it'\\''s'"),
    ("$(touch x)", "'$(touch x)'"),
    ("line1\nline2", "'line1\nline2'"),
  ])
  func quotes(input: String, expected: String) {
    #expect(ShellQuote.quote(input) == expected)
  }
}
