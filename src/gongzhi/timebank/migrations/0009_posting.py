"""PostgreSQL: `gongzhi_transfer_post`, the common path of `services.transfer_post` in one statement.

It does what the ORM path does, in the same order: lock the accounts in id order, answer a used key with its
transaction, refuse an unknown, foreign or inactive account, check the floors, insert the transaction, its entries
and the audit event (hash chained exactly as `core.audit` does), and move the cached balances. A refusal writes
nothing and comes back as a status that Python turns into the usual exception. Reversals and `before_post` stay on
the ORM path. SQLite has no such function and always takes the ORM path.
"""

from django.db import migrations

# No "%" in here: schema_editor.execute() hands the text to the driver's placeholder parser.
CREATE = """
CREATE OR REPLACE FUNCTION gongzhi_transfer_post(
    p_community bigint,
    p_kind text,
    p_memo text,
    p_key text,
    p_reason text,
    p_counterpart bigint,
    p_created_by bigint,
    p_at timestamptz,
    p_accounts bigint[],
    p_amounts bigint[],
    p_person bigint,
    p_actor bigint,
    p_verb text,
    p_object_type text,
    p_after jsonb,
    p_tail_head text,
    p_tail_rest text,
    OUT o_status text,
    OUT o_id bigint,
    OUT o_balance bigint,
    OUT o_floor integer,
    OUT o_name text
) LANGUAGE plpgsql AS $$
DECLARE
    v_ids bigint[];
    v_communities bigint[];
    v_active boolean[];
    v_balances bigint[];
    v_floors integer[];
    v_names text[];
    r record;
    i integer;
    v_seq bigint;
    v_prev text;
    v_hash text;
BEGIN
    -- Row locks in id order, as lock_accounts takes them, so this never deadlocks with the ORM path.
    FOR r IN SELECT a.id, a.community_id, a.is_active, a.balance, a.floor, a.name
               FROM timebank_account a WHERE a.id = ANY (p_accounts) ORDER BY a.id FOR UPDATE LOOP
        v_ids := array_append(v_ids, r.id);
        v_communities := array_append(v_communities, r.community_id);
        v_active := array_append(v_active, r.is_active);
        v_balances := array_append(v_balances, r.balance);
        v_floors := array_append(v_floors, r.floor);
        v_names := array_append(v_names, r.name::text);
    END LOOP;
    IF coalesce(cardinality(v_ids), 0) <> cardinality(p_accounts) THEN
        o_status := 'missing';
        RETURN;
    END IF;
    -- A new statement sees what a racing request on the same accounts committed while we waited for the locks.
    SELECT t.id INTO o_id FROM timebank_transaction t
     WHERE t.community_id = p_community AND t.idempotency_key = p_key;
    IF FOUND THEN
        o_status := 'existing';
        RETURN;
    END IF;
    FOR i IN 1 .. cardinality(v_ids) LOOP
        IF v_communities[i] <> p_community AND v_communities[i] IS DISTINCT FROM p_counterpart THEN
            o_status := 'missing';
            RETURN;
        END IF;
        IF NOT v_active[i] THEN
            o_status := 'inactive';
            o_id := v_ids[i];
            o_name := v_names[i];
            RETURN;
        END IF;
    END LOOP;
    FOR j IN 1 .. cardinality(p_accounts) LOOP
        i := array_position(v_ids, p_accounts[j]);
        IF p_amounts[j] < 0 AND v_floors[i] IS NOT NULL AND v_balances[i] + p_amounts[j] < v_floors[i] THEN
            o_status := 'overdraft';
            o_id := v_ids[i];
            o_balance := v_balances[i];
            o_floor := v_floors[i];
            o_name := v_names[i];
            RETURN;
        END IF;
    END LOOP;
    INSERT INTO timebank_transaction
           (community_id, kind, memo, idempotency_key, reverses_id, reason, counterpart_id, created_by_id, created_at)
    VALUES (p_community, p_kind, p_memo, p_key, NULL, p_reason, p_counterpart, p_created_by, p_at)
    ON CONFLICT (community_id, idempotency_key) DO NOTHING
    RETURNING id INTO o_id;
    IF o_id IS NULL THEN
        -- The key won by a racing request on other accounts, committed by now (the insert waited for it).
        SELECT t.id INTO o_id FROM timebank_transaction t
         WHERE t.community_id = p_community AND t.idempotency_key = p_key;
        o_status := 'existing';
        RETURN;
    END IF;
    INSERT INTO timebank_entry (community_id, transaction_id, account_id, amount, attributed_person_id, created_at)
    SELECT v_communities[array_position(v_ids, u.account)], o_id, u.account, u.amount, p_person, p_at
      FROM unnest(p_accounts, p_amounts) WITH ORDINALITY AS u (account, amount, n)
     ORDER BY u.n;
    UPDATE timebank_account a SET balance = a.balance + u.amount
      FROM unnest(p_accounts, p_amounts) AS u (account, amount)
     WHERE a.id = u.account;
    -- The audit event on the community's chain, as core.audit appends it: the head locked last, the hash over
    -- the text event_hash hashes ('["<prev_hash>",<chain>,<seq>,' and the tail Python split around the new id).
    SELECT h.seq, h.hash INTO v_seq, v_prev FROM core_auditchainhead h WHERE h.chain = p_community FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO core_auditchainhead (chain, seq, hash) VALUES (p_community, 0, repeat('0', 64))
        ON CONFLICT (chain) DO NOTHING;
        SELECT h.seq, h.hash INTO v_seq, v_prev FROM core_auditchainhead h WHERE h.chain = p_community FOR UPDATE;
    END IF;
    v_seq := v_seq + 1;
    v_hash := encode(sha256(convert_to(
        '["' || v_prev || '",' || p_community::text || ',' || v_seq::text || ',' || p_tail_head || o_id::text
        || p_tail_rest, 'UTF8')), 'hex');
    INSERT INTO core_auditevent (chain, seq, at, actor_id, on_behalf_of, community_id, verb, object_type, object_id,
                                 before, after, prev_hash, hash)
    VALUES (p_community, v_seq, p_at, p_actor, '', p_community, p_verb, p_object_type, o_id::text,
            NULL, p_after, v_prev, v_hash);
    UPDATE core_auditchainhead SET seq = v_seq, hash = v_hash WHERE chain = p_community;
    o_status := 'ok';
END;
$$;
"""
DROP = (
    "DROP FUNCTION IF EXISTS gongzhi_transfer_post(bigint, text, text, text, text, bigint, bigint, timestamptz,"
    " bigint[], bigint[], bigint, bigint, text, text, jsonb, text, text);"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("timebank", "0008_volunteers"), ("core", "0003_api_token")]
    operations = [migrations.RunPython(forwards, backwards)]
