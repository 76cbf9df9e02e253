"""Publication in every format (PDF, deck, tables, comparison, website) behind the disclosure
scan: `publish.publish_quarter` orchestrates, the other modules each make one format."""
