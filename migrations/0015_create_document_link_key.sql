-- The key that signs short-lived links to printable documents, owned by patrol/documents:
-- a page fetches a link with its bearer token and opens the document at that link in a
-- tab of its own, where it is served under the document's own CSP. One random 32-byte
-- secret, made by the first server that starts, shared by every instance (a link signed
-- by one opens on another).
CREATE TABLE document_link_key (
    id         boolean PRIMARY KEY DEFAULT true CHECK (id),
    secret     bytea NOT NULL CHECK (length(secret) = 32),
    created_at timestamptz NOT NULL DEFAULT now()
);
