"""Pure text helpers shared by the document and question sides: no index, no models."""
