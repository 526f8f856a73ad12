-- Every Gridwatch instance keeps the identities of live tokens in memory for a short
-- time (internal/auth's Cache, the owner of api_tokens). A token revoked or changed
-- — by any instance, by `gridwatch token revoke`, or by hand — is announced to them all
-- on the instances' NOTIFY channel (package cluster's Channel), at commit, so that each
-- forgets it at once rather than at the end of the cache's lifetime. The payload is a
-- cluster message of kind "token"; its origin is no instance's, so every instance hears
-- it. Updates of last_used_at alone announce nothing.
CREATE FUNCTION api_tokens_announce_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('gridwatch_events',
        json_build_object('o', 'database', 'k', 'token', 'tk', OLD.id)::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER api_tokens_announce_change
    AFTER UPDATE OF revoked_at, expires_at, role, township, officer, qualification, name, token_hash
    OR DELETE ON api_tokens
    FOR EACH ROW EXECUTE FUNCTION api_tokens_announce_change();
