#!/usr/bin/python3
"""test/reliability/bad_input_gen.py: bad input at volume (issue 5, suite 3).

A seeded generator of calls to the logging functions, valid ones and
invalid ones mixed, and the checks on what the server made of them.

    bad_input_gen.py [--host H --port P] run --db DB --mode all|valid --seed S --calls N --out F.json
        [--dump F.sql]            also write the calls sent as a psql script (a reproduction)
        [--invalid-kinds K1,K2]   send only the invalid calls of these kinds (to narrow one down)
    bad_input_gen.py compare --db-a DB1 --db-b DB2 --out F.json
    bad_input_gen.py report --all-run F --valid-run F --compare-out F --out checks.txt
    bad_input_gen.py sample --seed S --calls N [--verbose]   (the stream, without a server)

How it works
------------
The generator keeps a model of every bot (its session, next round number,
balance, clock, logged rounds, ended sessions) and produces a stream of calls.
A valid call is built from the model and moves it on; an invalid call is a
valid call of the same kind with one argument replaced by a bad value (for
that argument: 0, -1, int64 limits, NaN, +/-Infinity, 1e300, 1e-300, empty
and 100k-character strings, invalid UTF-8, control characters, malformed
JSON, wrong words, wrong types in a batch element...) or with one rule broken
(money that does not add up, a wrong outcome word, a cash-out above the crash,
a retry with other content, an ended session, an unknown or inactive game...).
An invalid call never moves the model: whatever it was, the valid calls after
it are built as if it had not happened.

"run --mode all" sends the whole stream; "run --mode valid" sends the same
stream with the invalid calls left out (same seed, so the very same valid
calls in the same order).  Each run checks, call by call:
  - a valid call succeeds, an invalid call fails;
  - every error's SQLSTATE is in DOCUMENTED below;
  - the connection survives (a backend crash loses it: the call is written to
    the summary as the exact input, and the run reconnects and goes on).
"compare" then reads every table of both databases (the tables of schema
crash_analytics from the catalog, not a list; ids replaced by natural keys,
logging timestamps left out) and reports any difference: the tables must be
exactly what the valid calls alone produce; a table that was not compared
(only in one database, or its rows could not be read) fails the report.

Invalid UTF-8 is sent as E'\\xNN' escape strings or convert_from(bytea), so
that the server, not the client library, rejects it.  Values are sent as
SQL literals to server-side prepared statements (PREPARE/EXECUTE), so that
type input (bigint, numeric, boolean, timestamptz, jsonb, text[]) also runs
in the server.  Each call is its own transaction (autocommit), as a bot's is.
"""

import argparse
import io
import json
import random
import sys
import time
from decimal import Decimal as D, ROUND_HALF_UP, ROUND_FLOOR

# ----------------------------------------------------------------------
# The documented SQLSTATEs: every error of every call must be one of these.
# They are the codes of the "Errors" paragraph of README.md ("What a logged
# round does"), which lists this table's and those the generator's calls
# cannot provoke (42501 per-bot writer roles, 40P01 and 40001 concurrency,
# 23514/23502 an operator's own constraints, 23514 the extension's CHECKs,
# met only by a restored row, inserted with derived_at set, which no call
# here sends: sql/restored_rows.sql tests those): a code added here goes
# there.
# ----------------------------------------------------------------------
DOCUMENTED = {
    '22004': 'null_value_not_allowed: a required value is missing (the extension)',
    '22003': 'numeric_value_out_of_range: a value outside its range (the extension; '
             'also integer type input of a too large number)',
    '22023': 'invalid_parameter_value: a value inconsistent with the rest of the call, a '
             'wrong word, empty or control characters in an identifier, a JSON value of the '
             'wrong shape (the extension)',
    '22001': 'string_data_right_truncation: text or JSON too long (the extension)',
    '23503': 'foreign_key_violation: unknown game/platform (the extension)',
    '23505': 'unique_violation: a retry whose content differs (the extension)',
    '55000': 'object_not_in_prerequisite_state: an ended session, an inactive game '
             '(the extension)',
    '42704': 'undefined_object: end_session of a session that does not exist (the extension)',
    '54000': 'program_limit_exceeded: more than 32 tags, more than 16 signal rules '
             '(the extension)',
    '22P02': 'invalid_text_representation: type input (numbers, booleans, JSON, arrays), in '
             'arguments and in batch elements',
    '22007': 'invalid_datetime_format: timestamptz input',
    '22008': 'datetime_field_overflow: timestamptz input out of range',
    '22021': 'character_not_in_repertoire: invalid UTF-8, rejected by the server',
    '22P05': 'untranslatable_character: \\u0000 in JSON text',
    '54001': 'statement_too_complex: JSON nested 100,000 deep (the JSON parser\'s stack '
             'depth check)',
}

I64MAX = 9223372036854775807
I32MAX = 2147483647
T0 = 1772323200  # 2026-03-01 00:00:00 UTC
LONG = 'x' * 100000


class Raw(str):
    """An SQL expression, sent as it is (invalid UTF-8 escapes)."""


class JText(str):
    """JSON text (a jsonb argument)."""


class Ts(str):
    """A timestamptz in ISO form."""


def ts(epoch):
    return Ts(time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(int(epoch))) + '+00')


def q_text(s):
    return "'" + s.replace("'", "''") + "'"


def array_literal(items):
    return '{' + ','.join('"' + e.replace('\\', '\\\\').replace('"', '\\"') + '"' for e in items) + '}'


def lit(v):
    """A value as an SQL literal of unknown type (so the server's type input runs)."""
    if v is None:
        return 'NULL'
    if isinstance(v, Raw):
        return str(v)
    if isinstance(v, bool):
        return "'true'" if v else "'false'"
    if isinstance(v, (int, D)):
        return "'" + str(v) + "'"
    if isinstance(v, list):
        return q_text(array_literal(v))
    return q_text(str(v))


# ----------------------------------------------------------------------
# Bad and edge values, by kind of argument
# ----------------------------------------------------------------------
BAD_UTF8_ANY = [  # escape strings: the lexer refuses them, whatever the type
    ('utf8 c3 28', Raw("E'\\xc3\\x28'")),
    ('utf8 ff', Raw("E'bot\\xff'")),
    ('utf8 surrogate', Raw("E'\\xed\\xa0\\x80'")),
    ('utf8 5-byte', Raw("E'\\xf8\\x88\\x80\\x80\\x80'")),
    ('nul byte', Raw("E'a\\x00b'")),
]
BAD_UTF8_TEXT = BAD_UTF8_ANY + [  # text-typed expressions: only for text arguments
    ('convert_from truncated', Raw("convert_from('\\xe282'::bytea, 'UTF8')")),
    ('convert_from overlong', Raw("convert_from('\\x61c0af'::bytea, 'UTF8')")),
]


class OneOf(list):
    """A bank entry standing for several variants: one is drawn when the entry is."""


UTF8_ANY = ('bad utf8', OneOf(BAD_UTF8_ANY))
UTF8_TEXT = ('bad utf8', OneOf(BAD_UTF8_TEXT))
CONTROL = [
    ('control tab', Raw("E'a\\tb'")),
    ('control 0x01', Raw("E'a\\x01b'")),
    ('control newline', Raw("E'line\\nbreak'")),
    ('control 0x7f', Raw("E'del\\x7f'")),
]


def big_json_object(nbytes):
    n = nbytes // 20 + 1
    return JText('{' + ','.join('"k%06d": "%s"' % (i, 'v' * 8) for i in range(n)) + '}')


STACK_TOO_LONG = 's' * 1048577
DEEP_JSON = JText('[' * 100000 + ']' * 100000)
BIG_OBJ_70K = big_json_object(70000)
BIG_OBJ_30K = big_json_object(30000)


def ident_bad(maxlen, required):
    out = [('empty', ''), ('%d chars' % (maxlen + 1), 'x' * (maxlen + 1)), ('control chars', OneOf(CONTROL)),
           UTF8_TEXT]
    if maxlen < 100000:
        out.append(('100k chars', LONG))
    if required:
        out.append(('NULL', None))
    return out


def ident_edge(maxlen):
    return [('%d multibyte chars' % maxlen, '\u00e9' * maxlen), ('%d 4-byte chars' % maxlen, '\U0001f680' * maxlen),
            ('quotes', "o'neil \"q\" \\ ;--")]


def text_bad(maxlen, required):
    out = [('%d chars' % (maxlen + 1), 'y' * (maxlen + 1)), UTF8_TEXT]
    if maxlen < 100000:
        out.append(('100k chars', LONG))
    if required:
        out.append(('NULL', None))
    return out


def text_edge(maxlen):
    out = [('empty', ''), ('control chars', 'a\tb\nc\r\x07'), ('quotes', "it's \\ \"x\"")]
    if maxlen <= 8192:
        out.append(('%d multibyte chars' % maxlen, '\u00e9' * maxlen))
    else:
        out.append(('100k chars', LONG))
    return out


BIGINT_BAD = [('-1', '-1'), ('int64 min', '-9223372036854775808'), ('int64 max+1', '9223372036854775808'),
              ('int64 min-1', '-9223372036854775809'), ('abc', 'abc'), ('empty', ''), ('1e300', '1e300'),
              ('1.5', '1.5'), ('NaN', 'NaN'), ('Infinity', 'Infinity')] + [UTF8_ANY]
BIGINT_EDGE = [('0', 0), ('int64 max', I64MAX)]
INT_BAD = [('-1', '-1'), ('int32 min', '-2147483648'), ('int32 max+1', '2147483648'),
           ('int64 max', str(I64MAX)), ('abc', 'abc'), ('empty', ''), ('1.5', '1.5')] + [UTF8_ANY]
INT_EDGE = [('0', 0), ('int32 max', I32MAX)]
NUM_BAD = [('NaN', 'NaN'), ('Infinity', 'Infinity'), ('-Infinity', '-Infinity'), ('1e300', '1e300'),
           ('-1e300', '-1e300'), ('1e15', '1e15'), ('-1e15', '-1e15'), ('abc', 'abc'), ('empty', ''),
           ('1e', '1e'), ('int64 max', str(I64MAX))] + [UTF8_ANY]
UNIT_BAD = NUM_BAD + [('-1', '-1'), ('-1e-300', '-1e-300'), ('1.0000000001', '1.0000000001'), ('2', '2')]
UNIT_EDGE = [('0', D('0')), ('1', D('1')), ('1e-300', D('1e-300')), ('1.000', D('1.000'))]
TS_BAD = [('infinity', 'infinity'), ('-infinity', '-infinity'), ('notatime', 'notatime'), ('empty', ''),
          ('year 294277', '294277-01-01 00:00:00+00'), ('Feb 30', '2026-02-30 10:00:00+00'),
          ('12345', '12345'), ('4714-11-23 BC', '4714-11-23 00:00:00+00 BC')] + [UTF8_ANY]
BOOL_BAD = [('maybe', 'maybe'), ('empty', ''), ('2', '2'), ('tru e', 'tru e')] + [UTF8_ANY]
BOOL_EDGE = [('yes', 'yes'), ('off', 'off'), ('1', '1'), ('padded t', ' t ')]
JSON_SYNTAX_BAD = [('truncated', JText('{"a":')), ('open brace', JText('{')), ('trailing comma', JText('{"a":1,}')),
                   ('single quotes', JText("{'a':1}")), ('NaN literal', JText('{"a":NaN}')),
                   ('\\u0000', JText('{"a":"\\u0000"}')), ('lone surrogate', JText('{"a":"\\ud800"}')),
                   ('deep 100k', DEEP_JSON), ('utf8 in json', Raw("E'{\"a\":\"\\xc3\\x28\"}'"))]
JOBJ_BAD = JSON_SYNTAX_BAD + [('array', JText('[]')), ('number', JText('1')), ('string', JText('"s"')),
                              ('json null', JText('null')), ('70k bytes', BIG_OBJ_70K)]
JOBJ_EDGE = [('empty', JText('{}')),
             ('unicode', JText('{"k": "\\u00e9\\n\u2603", "n": [1, 2.50, {"x": null}], "b": true}')),
             ('30k bytes', BIG_OBJ_30K)]
JANY_BAD = JSON_SYNTAX_BAD + [('70k bytes', BIG_OBJ_70K)]
JANY_EDGE = [('array', JText('[1,2,3]')), ('number', JText('0.5')), ('null', JText('null')),
             ('string', JText('"x"')), ('empty', JText('{}'))]
TAGS_BAD = [('2-dim', '{{a},{b}}'), ('33 tags', '{' + ','.join('t%d' % i for i in range(33)) + '}'),
            ('NULL elem', '{NULL}'), ('empty elem', '{""}'), ('malformed', '{a'),
            ('65-char elem', '{' + 't' * 65 + '}'), ('control elem', '{"a\tb"}'), ('not array', 'abc')] + \
    [UTF8_ANY]
TAGS_EDGE = [('empty', []), ('32 tags', ['t%d' % i for i in range(32)]), ('64 multibyte', ['\u00e9' * 64])]
SLOT_BAD = [('0', '0'), ('-1', '-1'), ('17', '17'), ('int32 max', str(I32MAX)), ('int32 max+1', '2147483648'),
            ('int64 max', str(I64MAX)), ('int32 min', '-2147483648'), ('abc', 'abc'), ('empty', ''),
            ('1.5', '1.5')]
OUTCOME_BAD = [('WINNER', 'WINNER'), ('LOSE', 'LOSE'), ('W', 'W'), ('empty', ''), ('trailing space', 'win '),
               ('fullwidth', '\uff37\uff29\uff2e'), ('65 chars', 'W' * 65), ('100k chars', LONG), UTF8_TEXT]


def mult_bad(maxm):
    return NUM_BAD + [('0', '0'), ('-1', '-1'), ('0.99', '0.99'), ('1e-300', '1e-300'), ('2.345', '2.345'),
                      ('1.001', '1.001'), ('above max', str(maxm + D('0.01')))]


def money_bad(dec):
    return NUM_BAD + [('1e-300', '1e-300'), ('too many decimals', str(D(1).scaleb(-(dec + 1))))]


def word_bad(words, required=False):
    out = [('bogus', 'bogus'), ('empty', ''), ('padded', words[0] + ' '), ('100k chars', LONG), UTF8_TEXT]
    if required:
        out.append(('NULL', None))
    return out


def word_edge(words):
    return [('upper case', words[-1].upper()), ('mixed case', words[0].capitalize())]


# JSON fragments for batch elements (log_crash_rounds)
def jstr(s):
    return json.dumps(s, ensure_ascii=False)


J_IDENT_BAD = lambda maxlen, req: ([('empty', '""'), ('%d chars' % (maxlen + 1), jstr('x' * (maxlen + 1))),
                                   ('tab', '"a\\tb"'), ('object', '{}'), ('array', '[1]'),
                                   ('\\u0000', '"a\\u0000"'), ('lone surrogate', '"\\udc00"'),
                                   ('100k chars', jstr(LONG))] + ([('null', 'null')] if req else []))
J_TEXT_BAD = lambda maxlen: [('%d chars' % (maxlen + 1), jstr('y' * (maxlen + 1))), ('object', '{}'),
                             ('\\u0000', '"\\u0000"'), ('array', '["a"]')]
J_BIGINT_BAD = [('abc', '"abc"'), ('1.5', '1.5'), ('1e300', '1e300'), ('-1', '-1'), ('true', 'true'),
                ('int64 max+1', '"9223372036854775808"'), ('object', '{}'), ('empty', '""')]
J_INT_BAD = [('abc', '"abc"'), ('1.5', '1.5'), ('-1', '-1'), ('int32 max+1', '2147483648'), ('true', 'true'),
             ('array', '[]')]
J_NUM_BAD = [('NaN', '"NaN"'), ('Infinity', '"Infinity"'), ('-Infinity', '"-Infinity"'), ('1e300', '1e300'),
             ('abc', '"abc"'), ('true', 'true'), ('object', '{}'), ('array', '[]'), ('empty', '""'),
             ('1e15', '1e15')]
J_TS_BAD = [('notatime', '"notatime"'), ('12345', '12345'), ('infinity', '"infinity"'), ('true', 'true'),
            ('year 294277', '"294277-01-01"'), ('object', '{}')]
J_BOOL_BAD = [('maybe', '"maybe"'), ('2', '2'), ('"2"', '"2"'), ('object', '{}'), ('1.5', '1.5')]
J_JOBJ_BAD = [('number', '5'), ('string', '"{}"'), ('array', '[]'), ('array of 1', '[1]'), ('true', 'true')]
J_TAGS_BAD = [('string', '"x"'), ('number elem', '[1]'), ('null elem', '[null]'), ('nested', '[[]]'),
              ('33 tags', json.dumps(['t%d' % i for i in range(33)])), ('empty elem', '[""]'), ('object', '{}')]
J_OUTCOME_BAD = [('WINNER', '"WINNER"'), ('empty', '""'), ('number', '1'), ('object', '{}'),
                 ('65 chars', jstr('W' * 65))]


def j_mult_bad(maxm):
    return J_NUM_BAD + [('0', '0'), ('-1', '-1'), ('0.99', '0.99'), ('2.345', '2.345'), ('1e-300', '1e-300'),
                        ('above max', str(maxm + D('0.01')))]


# ----------------------------------------------------------------------
# Functions and their arguments
# ----------------------------------------------------------------------
class Arg:
    def __init__(self, name, kind, sqltype, maxlen=None, required=False, words=None):
        self.name, self.kind, self.sqltype = name, kind, sqltype
        self.maxlen, self.required, self.words = maxlen, required, words

    def sql_bad(self):
        k = self.kind
        if k == 'ident':
            return ident_bad(self.maxlen, self.required)
        if k == 'text':
            return text_bad(self.maxlen, self.required)
        if k == 'bigint':
            return BIGINT_BAD + ([('NULL', None)] if self.required else [])
        if k == 'int':
            return INT_BAD
        if k == 'num':
            return NUM_BAD + ([('NULL', None)] if self.required else [])
        if k == 'unit':
            return UNIT_BAD
        if k == 'ts':
            return TS_BAD
        if k == 'bool':
            return BOOL_BAD
        if k == 'jobj':
            return JOBJ_BAD
        if k == 'jany':
            return JANY_BAD
        if k == 'tags':
            return TAGS_BAD
        if k == 'word':
            return word_bad(self.words, self.required)
        if k == 'slot':
            return SLOT_BAD
        raise ValueError(k)

    def sql_edge(self):
        k = self.kind
        if k == 'ident':
            return ident_edge(self.maxlen)
        if k == 'text':
            return text_edge(self.maxlen)
        if k == 'bigint':
            return BIGINT_EDGE
        if k == 'int':
            return INT_EDGE
        if k == 'unit':
            return UNIT_EDGE
        if k == 'bool':
            return BOOL_EDGE
        if k == 'jobj':
            return JOBJ_EDGE
        if k == 'jany':
            return JANY_EDGE
        if k == 'tags':
            return TAGS_EDGE
        if k == 'word':
            return word_edge(self.words)
        return []


A = Arg
SEVERITIES = ['debug', 'info', 'warning', 'error', 'critical']
BOT_STATUSES = ['active', 'paused', 'retired']
END_STATUSES = ['completed', 'aborted', 'crashed']

ROUND_ARGS = [
    A('bot_id', 'ident', 'text', 128, True), A('session_id', 'ident', 'text', 128, True),
    A('game_name', 'ident', 'text', 64, True), A('platform_code', 'ident', 'text', 64, True),
    A('round_number', 'bigint', 'bigint', required=True), A('stake_value', 'stake', 'numeric'),
    A('crash_multiplier', 'mult', 'numeric', required=True), A('cashout_multiplier', 'mult', 'numeric'),
    A('round_outcome', 'outcome', 'text'), A('profit_loss', 'money', 'numeric'),
    A('running_balance_before', 'money', 'numeric'), A('running_balance_after', 'money', 'numeric'),
    A('strategy_name', 'ident', 'text', 128), A('target_multiplier', 'mult', 'numeric'),
    A('bet_slot', 'slot', 'integer'), A('platform_round_id', 'ident', 'text', 128),
    A('round_started_at', 'ts', 'timestamptz'), A('round_ended_at', 'ts', 'timestamptz'),
    A('bet_placed_at', 'ts', 'timestamptz'), A('cashed_out_at', 'ts', 'timestamptz'),
    A('auto_cashout', 'bool', 'boolean'), A('bet_sequence_step', 'int', 'integer'),
    A('detection_method', 'text', 'text', 64), A('ocr_raw_text', 'text', 'text', 8192),
    A('ocr_confidence', 'unit', 'numeric'), A('detection_latency_ms', 'int', 'integer'),
    A('error_count', 'int', 'integer'), A('retry_count', 'int', 'integer'),
    A('error_message', 'text', 'text', 8192), A('server_seed', 'text', 'text', 512),
    A('server_seed_hash', 'text', 'text', 512), A('client_seed', 'text', 'text', 512),
    A('nonce', 'bigint', 'bigint'), A('round_hash', 'text', 'text', 512),
    A('metadata', 'jobj', 'jsonb'), A('tags', 'tags', 'text[]'),
]
ROUND_ARG = {a.name: a for a in ROUND_ARGS}
# optional round arguments whose edge values keep a round valid
ROUND_EDGE_ARGS = ['strategy_name', 'platform_round_id', 'auto_cashout', 'bet_sequence_step',
                   'detection_method', 'ocr_raw_text', 'ocr_confidence', 'detection_latency_ms', 'error_count',
                   'retry_count', 'error_message', 'server_seed', 'server_seed_hash', 'client_seed', 'nonce',
                   'round_hash', 'metadata', 'tags']
OUTCOME_ARG_NAMES = ['bot_id', 'session_id', 'game_name', 'platform_code', 'round_number', 'stake_value',
                     'crash_multiplier', 'cashout_multiplier', 'round_outcome', 'profit_loss', 'strategy_name',
                     'bet_slot']

FUNCS = {
    'log_crash_round': ROUND_ARGS,
    'log_round_outcome': [ROUND_ARG[n] for n in OUTCOME_ARG_NAMES],
    'log_error': [A('bot_id', 'ident', 'text', 128, True), A('error_type', 'ident', 'text', 128, True),
                  A('error_message', 'ident', 'text', 8192, True), A('session_id', 'ident', 'text', 128),
                  A('stack_trace', 'text', 'text', 1048576), A('recovery_action', 'text', 'text', 512),
                  A('severity', 'word', 'text', words=SEVERITIES), A('round_number', 'bigint', 'bigint'),
                  A('context', 'jobj', 'jsonb'), A('occurred_at', 'ts', 'timestamptz')],
    'log_ocr_validation': [A('bot_id', 'ident', 'text', 128, True), A('raw_text', 'text', 'text', 8192, True),
                           A('parsed_value', 'num', 'numeric'), A('confidence', 'unit', 'numeric'),
                           A('is_valid', 'bool', 'boolean'), A('session_id', 'ident', 'text', 128),
                           A('game_name', 'ident', 'text', 64), A('platform_code', 'ident', 'text', 64),
                           A('round_number', 'bigint', 'bigint'), A('validation_error', 'text', 'text', 512)],
    'log_round_signal': [A('bot_id', 'ident', 'text', 128, True), A('session_id', 'ident', 'text', 128, True),
                         A('game_name', 'ident', 'text', 64, True), A('platform_code', 'ident', 'text', 64, True),
                         A('signal_type', 'ident', 'text', 64, True), A('target_multiplier', 'mult', 'numeric', required=True),
                         A('confidence_score', 'unit', 'numeric'), A('model_name', 'ident', 'text', 128),
                         A('pattern_match', 'text', 'text', 512), A('feature_vector', 'jany', 'jsonb'),
                         A('emitted_after_round', 'bigint', 'bigint')],
    'register_bot': [A('bot_id', 'ident', 'text', 128, True), A('bot_name', 'text', 'text', 128),
                     A('vm_provider', 'text', 'text', 64), A('vm_host', 'text', 'text', 512),
                     A('vm_region', 'text', 'text', 64), A('strategy_name', 'ident', 'text', 128),
                     A('initial_balance', 'balance', 'numeric'), A('status', 'word', 'text', words=BOT_STATUSES),
                     A('signal_rules', 'rules', 'jsonb'), A('metadata', 'jobj', 'jsonb')],
    'start_session': [A('bot_id', 'ident', 'text', 128, True), A('session_id', 'ident', 'text', 128, True),
                      A('game_name', 'ident', 'text', 64), A('platform_code', 'ident', 'text', 64),
                      A('balance_start', 'balance', 'numeric'), A('started_at', 'ts', 'timestamptz'),
                      A('metadata', 'jobj', 'jsonb')],
    'end_session': [A('bot_id', 'ident', 'text', 128, True), A('session_id', 'ident', 'text', 128, True),
                    A('status', 'word', 'text', words=END_STATUSES), A('ended_at', 'ts', 'timestamptz'),
                    A('end_reason', 'text', 'text', 512)],
    'log_round_multiplier_analytics': [A('bot_id', 'ident', 'text', 128, True), A('session_id', 'ident', 'text', 128, True),
                                       A('game_name', 'ident', 'text', 64, True), A('platform_code', 'ident', 'text', 64, True),
                                       A('round_number', 'bigint', 'bigint', required=True),
                                       A('multiplier', 'mult', 'numeric', required=True),
                                       A('platform_round_id', 'ident', 'text', 128), A('observed_at', 'ts', 'timestamptz')],
    'register_game_platform': [A('game_name', 'key', 'text', 64, True), A('platform_code', 'key', 'text', 64, True),
                               A('rtp', 'rtp', 'numeric'), A('provider', 'text', 'text', 64),
                               A('currency', 'currency', 'text', 10), A('currency_decimals', 'decimals', 'integer'),
                               A('min_bet', 'bet', 'numeric'), A('max_bet', 'bet', 'numeric'),
                               A('max_multiplier', 'maxmult', 'numeric'), A('is_active', 'bool', 'boolean')],
}
ADMIN_FUNCS = {'register_game_platform'}

RULES_VALID = [JText('[{"rule": "low_streak", "length": 3, "below": 2.00, "target": 1.80}]'),
               JText('[{"rule": "high_after", "above": 10.00, "target": 2.00}]'),
               JText('[{"rule": "low_streak", "length": 5, "below": 1.50, "target": 1.20}, '
                     '{"rule": "high_after", "above": 20, "target": 3.5}]'),
               JText('[]')]
RULES_BAD = [('object', JText('{}')), ('number elem', JText('[1]')),
             ('unknown rule', JText('[{"rule": "nosuch", "target": 2}]')),
             ('no target', JText('[{"rule": "high_after", "above": 10}]')),
             ('target 1.00', JText('[{"rule": "high_after", "above": 10, "target": 1.00}]')),
             ('length 0', JText('[{"rule": "low_streak", "length": 0, "below": 2, "target": 1.8}]')),
             ('length 51', JText('[{"rule": "low_streak", "length": 51, "below": 2, "target": 1.8}]')),
             ('length 1.5', JText('[{"rule": "low_streak", "length": 1.5, "below": 2, "target": 1.8}]')),
             ('length 1e300', JText('[{"rule": "low_streak", "length": 1e300, "below": 2, "target": 1.8}]')),
             ('target 2.345', JText('[{"rule": "high_after", "above": 10, "target": 2.345}]')),
             ('target "2"', JText('[{"rule": "high_after", "above": 10, "target": "2"}]')),
             ('typo key', JText('[{"rule": "high_after", "above": 10, "target": 2, "tagret": 2}]')),
             ('17 rules', JText('[' + ','.join(['{"rule": "high_after", "above": 10, "target": 2}'] * 17) + ']')),
             ('string', JText('"x"')), ('json null', JText('null'))] + JSON_SYNTAX_BAD

GAMES = {  # (game, platform): currency decimals, min_bet, max_bet, max_multiplier, rtp
    ('aviator', 'dafabet'): (2, D('0.10'), D('100.00'), D('1000000.00'), D('0.97')),
    ('jetx', 'dafabet'): (2, D('0.10'), D('600.00'), D('25000.00'), D('0.97')),
    ('aviatrix', 'demo'): (2, D('0.10'), D('1000000.00'), D('10000.00'), D('0.97')),
    ('spaceman', 'stake'): (6, D('0.01'), D('5000'), D('50000.00'), D('0.965')),
    ('crashx', 'zero_dec'): (0, D('1'), D('100000'), D('1000.00'), D('0.99')),
}
GAME_KEYS = list(GAMES)
SETUP_GAMES = [  # registered by the first calls of the stream (admin)
    dict(game_name='spaceman', platform_code='stake', rtp=D('0.965'), provider='Spribe', currency='USDT',
         currency_decimals=6, min_bet=D('0.01'), max_bet=D('5000'), max_multiplier=D('50000.00'), is_active=True),
    dict(game_name='crashx', platform_code='zero_dec', rtp=D('0.99'), provider='Custom', currency='JPY',
         currency_decimals=0, min_bet=D('1'), max_bet=D('100000'), max_multiplier=D('1000.00'), is_active=True),
    dict(game_name='aviator', platform_code='closed_casino', rtp=D('0.97'), is_active=False),
]


def quant(dec):
    return D(1).scaleb(-dec)


def up_case(rng, word):
    r = rng.random()
    return word.upper() if r < 0.5 else (word.lower() if r < 0.8 else word.capitalize())


# ----------------------------------------------------------------------
# The model
# ----------------------------------------------------------------------
class Session:
    def __init__(self, sid, game):
        self.sid, self.game = sid, game
        self.exists = False       # a session_logs row exists (started, or a round was logged)
        self.next_round = 1
        self.balance = None       # the server's balance_current, when it has one
        self.balance_start = None
        self.started_at = None    # epoch
        self.pending_slot = None  # (round_number, crash, times, slot) of a round with more bet slots


class Bot:
    def __init__(self, i, rng):
        self.i = i
        self.bot_id = 'vb%02d' % i
        self.clock = T0 + i * 420
        self.k = 0
        self.session = None
        self.ended = []           # (sid, status, last_round, started_at)
        self.history = []         # logged rounds, for retries
        self.watch_k = 0
        self.watch_next = 1
        self.watch_game = rng.choice(GAME_KEYS)
        self.watch_log = []       # (session, round, multiplier, game)
        self.new_session(rng)

    def new_session(self, rng):
        self.k += 1
        self.session = Session('%s-s%03d' % (self.bot_id, self.k), rng.choice(GAME_KEYS))


class Call:
    __slots__ = ('kind', 'valid', 'conn', 'sql', 'copy', 'label')

    def __init__(self, kind, valid, sql, conn='w', copy=None, label=''):
        self.kind, self.valid, self.sql, self.conn, self.copy, self.label = kind, valid, sql, conn, copy, label


def draw_crash(rng, maxm, rtp):
    if rng.random() < 0.03:
        return D('1.00')
    u = rng.random() or 1e-9
    x = D(str(float(rtp) / u)).quantize(D('0.01'), rounding=ROUND_FLOOR)
    return max(D('1.00'), min(x, maxm))


class Gen:
    def pick(self, bank):
        label, value = self.rng.choice(bank)
        if isinstance(value, OneOf):
            label, value = self.rng.choice(value)
        return label, value

    def __init__(self, seed, nbots=16):
        self.rng = random.Random(seed)
        self.bots = [Bot(i, self.rng) for i in range(nbots)]
        self.extra_bots = 0
        self.next_game = 0
        self.ocr_clock = T0

    # ------------------------------------------------------------------
    # rendering
    # ------------------------------------------------------------------
    @staticmethod
    def fcall(fn, args, conn=None):
        specs = FUNCS[fn]
        vals = [lit(args.get(a.name)) for a in specs]
        return 'EXECUTE p_%s(%s)' % (fn, ', '.join(vals))

    @staticmethod
    def insert_sql(args, extra=None):
        cols = [k for k, v in args.items() if v is not None or k in (extra or ())]
        return 'INSERT INTO crash_analytics.crash_game_rounds (%s) VALUES (%s)' % (
            ', '.join(cols), ', '.join(lit(args[c]) for c in cols))

    def jfrag(self, v):
        rng = self.rng
        if isinstance(v, bool):
            return 'true' if v else 'false'
        if isinstance(v, (D, int)):
            return str(v) if rng.random() < 0.6 else '"%s"' % v
        if isinstance(v, JText):
            return str(v)
        if isinstance(v, list):
            return json.dumps(v, ensure_ascii=rng.random() < 0.5)
        return json.dumps(str(v), ensure_ascii=rng.random() < 0.5)

    def jelement(self, args, override=None):
        """A batch element: args as JSON, with override {key: json fragment} (None drops a key)."""
        parts = []
        override = override or {}
        keys = list(args)
        for k in override:
            if k not in keys:
                keys.append(k)
        for k in keys:
            if k in override:
                frag = override[k]
                if frag is None:
                    continue
            else:
                v = args[k]
                if v is None:
                    if self.rng.random() < 0.2:
                        parts.append('%s: null' % json.dumps(k))
                    continue
                frag = self.jfrag(v)
            parts.append('%s: %s' % (json.dumps(k), frag))
        return '{' + ', '.join(parts) + '}'

    @staticmethod
    def copy_text(rows):
        cols = []
        for r in rows:
            for k, v in r.items():
                if v is not None and k not in cols:
                    cols.append(k)

        def enc(v):
            if v is None:
                return b'\\N'
            if isinstance(v, bytes):
                return v
            if isinstance(v, bool):
                s = 't' if v else 'f'
            elif isinstance(v, list):
                s = array_literal(v)
            else:
                s = str(v)
            s = s.replace('\\', '\\\\').replace('\t', '\\t').replace('\n', '\\n').replace('\r', '\\r')
            return s.encode('utf-8')
        data = b''.join(b'\t'.join(enc(r.get(c)) for c in cols) + b'\n' for r in rows)
        return 'COPY crash_analytics.crash_game_rounds (%s) FROM STDIN' % ', '.join(cols), data

    # ------------------------------------------------------------------
    # a round, from the model
    # ------------------------------------------------------------------
    def round_template(self, bot, force_bet=False, edge=True):
        """(args, info, commit): a valid new round of the bot's session; commit() moves the model."""
        rng = self.rng
        s = bot.session
        game = s.game
        dec, min_bet, max_bet, maxm, rtp = GAMES[game]
        qd = quant(dec)
        if s.pending_slot is not None:
            n, crash, times, slot, start, end_e = s.pending_slot
            force_bet = True    # another bet slot of a round already bet on
        else:
            n, slot = s.next_round, 1
            crash = draw_crash(rng, maxm, rtp)
            start = bot.clock
            end_e = start + rng.randint(1, 30)
            mode = rng.random()
            if mode < 0.5:
                times = {'round_started_at': ts(start), 'round_ended_at': ts(end_e)}
            elif mode < 0.7:
                times = {'round_started_at': ts(start)}
            elif mode < 0.85:
                times = {'round_ended_at': ts(end_e)}
            else:
                times = {'round_started_at': ts(start), 'bet_placed_at': ts(start - 3),
                         'cashed_out_at': ts(start + 1)}
        played = end_e if 'round_ended_at' in times else start
        bal = s.balance
        r = rng.random()
        if force_bet:
            r = 0.21 + 0.79 * r
        kind = 'SKIP' if r < 0.2 else ('VOID' if r < 0.23 else 'BET')
        stake = None
        if kind != 'SKIP':
            hi = min(max_bet, D(20) if dec > 0 else D(200))
            stake = (min_bet + (hi - min_bet) * D(str(rng.random()))).quantize(qd, rounding=ROUND_FLOOR)
            stake = max(stake, min_bet)
            if bal is not None and stake > bal:
                stake = bal.quantize(qd, rounding=ROUND_FLOOR)
                if stake < min_bet:
                    kind, stake = 'SKIP', None
        args = {'bot_id': bot.bot_id, 'session_id': s.sid, 'game_name': game[0], 'platform_code': game[1],
                'round_number': n}
        if rng.random() < 0.1:
            args['game_name'] = up_case(rng, game[0])
        target = cashout = None
        if kind == 'SKIP':
            outcome = 'SKIP'
            stake_sent = rng.choice([None, D(0), D('0.00')])
            payout = D(0)
            stake_val = D(0)
        else:
            stake_sent = stake
            stake_val = stake
            if kind == 'VOID':
                outcome = 'VOID'
                payout = stake
            else:
                target = D(str(1.01 + rng.random() * 4)).quantize(D('0.01'))
                if target > maxm:
                    target = maxm
                m = rng.random()
                if m < 0.4:      # auto cash-out at the target
                    win = target <= crash
                    cashout = None
                    eff = target
                elif m < 0.8:    # a manual cash-out, or none (a loss)
                    win = rng.random() < 0.6
                    if win:
                        cashout = (D(1) + (crash - D(1)) * D(str(rng.random()))).quantize(D('0.01'), rounding=ROUND_FLOOR)
                        eff = cashout
                    else:
                        target = max(target, crash + D('0.01')) if crash + D('0.01') <= maxm else None
                        cashout = None
                        eff = None
                else:            # no target and no cash-out: a loss
                    target = None
                    win = False
                    eff = None
                if not win and target is not None and target <= crash:
                    target = None
                if win:
                    outcome = 'WIN'
                    payout = (stake * eff).quantize(qd, rounding=ROUND_HALF_UP)
                else:
                    outcome = 'LOSS'
                    payout = D(0)
                    if target is not None and rng.random() < 0.3:
                        cashout = target   # a loss may carry the cash-out it aimed at
        args['stake_value'] = stake_sent
        args['crash_multiplier'] = crash if rng.random() < 0.7 else crash.quantize(D('0.0001'))
        args['cashout_multiplier'] = cashout
        if outcome == 'VOID' or rng.random() < 0.6:
            args['round_outcome'] = up_case(rng, outcome)
        else:
            args['round_outcome'] = None
        profit = payout - stake_val
        if rng.random() < 0.5:
            sent_profit = profit
            if outcome == 'WIN' and rng.random() < 0.1:
                sent_profit = profit + rng.choice([qd, -qd])   # the casino's rounding, within tolerance
                if stake_val + sent_profit < 0:
                    sent_profit = profit
            profit = sent_profit
            args['profit_loss'] = sent_profit
        else:
            args['profit_loss'] = None
        before = after = None
        bm = rng.random()
        if bal is None:
            if bm < 0.3:
                before = D(rng.choice([500, 1000, 2500])).quantize(qd)
                if stake_val > before:
                    before = None
                elif rng.random() < 0.5:
                    after = before + profit
        else:
            if bm < 0.3:
                before, after = bal, bal + profit
            elif bm < 0.45:
                before = bal
            elif bm < 0.6:
                after = bal + profit
        args['running_balance_before'] = before
        args['running_balance_after'] = after
        new_bal = None
        if before is not None:
            new_bal = before + profit
        elif after is not None:
            new_bal = after
        elif bal is not None:
            new_bal = bal + profit
        if rng.random() < 0.3:
            args['strategy_name'] = rng.choice(['flat_1.5x', 'martingale', 'fib', 'sig_v2'])
        args['target_multiplier'] = target
        if slot > 1 or rng.random() < 0.2:
            args['bet_slot'] = slot
        args.update(times)
        ex = rng.random
        if ex() < 0.3:
            args['platform_round_id'] = '%s-%d-%d' % (game[1], bot.i, n)
        if ex() < 0.2:
            args['auto_cashout'] = rng.choice([True, False])
        if ex() < 0.2:
            args['bet_sequence_step'] = rng.randint(0, 8)
        if ex() < 0.3:
            args['detection_method'] = rng.choice(['ocr', 'api', 'websocket'])
            args['ocr_raw_text'] = '%sx' % crash
            args['ocr_confidence'] = D(str(round(0.8 + rng.random() * 0.2, 3)))
            args['detection_latency_ms'] = rng.randint(0, 900)
        if ex() < 0.1:
            args['error_count'] = rng.randint(0, 3)
            args['retry_count'] = rng.randint(0, 3)
            args['error_message'] = 'timeout reading multiplier'
        if ex() < 0.15:
            args['server_seed'] = '%064x' % rng.getrandbits(256)
            args['server_seed_hash'] = '%064x' % rng.getrandbits(256)
            args['client_seed'] = 'c%d' % rng.randint(0, 99999)
            args['nonce'] = rng.randint(0, 10 ** 9)
            args['round_hash'] = '%064x' % rng.getrandbits(256)
        if ex() < 0.25:
            args['metadata'] = JText(json.dumps({'v': rng.randint(1, 9), 'screen': rng.choice(['a', 'b'])}))
        if ex() < 0.15:
            args['tags'] = rng.sample(['night', 'test', 'vpn', 'slow', 'fast'], rng.randint(0, 3))
        edge_label = None
        if edge and ex() < 0.12:
            name = rng.choice(ROUND_EDGE_ARGS)
            label, value = rng.choice(ROUND_ARG[name].sql_edge())
            args[name] = value
            edge_label = '%s=%s' % (name, label)
        info = dict(outcome=outcome, stake=stake_val, crash=crash, cashout=cashout, target=target,
                    payout=payout, profit=profit, before=before, after=after, n=n, slot=slot,
                    game=game, dec=dec, qd=qd, min_bet=min_bet, max_bet=max_bet, maxm=maxm,
                    edge=edge_label, times=times, start=start)

        def commit():
            if rng.random() < 0.08 and slot < 3 and kind != 'SKIP':
                s.pending_slot = (n, crash, times, slot + 1, start, end_e)
            else:
                s.pending_slot = None
                s.next_round = n + 1
                bot.clock = max(bot.clock + rng.randint(5, 40), end_e + 1)
            if not s.exists:
                s.exists = True
                s.started_at = played
            if new_bal is not None:
                s.balance = new_bal
            bot.history.append(dict(args=dict(args), info=info, sid=s.sid))
            if len(bot.history) > 300:
                del bot.history[:100]
        return args, info, commit

    # ------------------------------------------------------------------
    # invalid rounds: one bad argument, or one broken rule
    # ------------------------------------------------------------------
    def round_arg_bad(self, args, info, names):
        """(label, name, value) of one bad value for one of the arguments in names, for the SQL paths."""
        rng = self.rng
        bet = info['outcome'] != 'SKIP'
        name = rng.choice(names)
        spec = ROUND_ARG[name]
        if spec.kind == 'stake':
            bank = NUM_BAD + [('-1', '-1'), ('1e-300', '1e-300'),
                              ('too many decimals', str(quant(info['dec'] + 1))),
                              ('above max_bet', str(info['max_bet'] + info['qd']))]
            if bet and (args.get('round_outcome') is not None or args.get('cashout_multiplier') is not None):
                bank += [('0 for a bet', '0'), ('NULL for a bet', None)]
        elif spec.kind == 'mult':
            bank = mult_bad(info['maxm'])
            if spec.required:
                bank = bank + [('NULL', None)]
            if name == 'cashout_multiplier' and not bet:
                bank = bank + [('a cash-out on a SKIP', '1.50')]
        elif spec.kind == 'money':
            bank = money_bad(info['dec'])
            if name != 'profit_loss':
                bank = bank + [('-1', '-1')]
        elif spec.kind == 'outcome':
            bank = OUTCOME_BAD
        else:
            bank = spec.sql_bad()
        label, value = self.pick(bank)
        return '%s=%s' % (name, label), name, value

    def round_semantic_bad(self, bot, args, info, allow_retry=True):
        """(label, args) breaking one rule, or None when no rule applies to this round."""
        rng = self.rng
        a = dict(args)
        o, qd, crash = info['outcome'], info['qd'], info['crash']
        s = bot.session
        options = ['profit off', 'wrong outcome', 'unknown game', 'unknown platform', 'inactive game',
                   'ended before started']
        if o == 'WIN':
            options += ['cashout above crash', 'win without cashout']
        if o in ('WIN', 'LOSS', 'VOID'):
            options += ['skip with stake']
            if info['before'] is not None:
                options.append('stake over balance')
        if o == 'SKIP':
            options.append('skip with cashout')
        if info['before'] is not None and info['after'] is not None:
            options.append('balance after off')
        if o == 'WIN' and info['profit'] > 0:
            options.append('negative balance before')
        if s.exists and s.started_at is not None:
            options.append('session on another game')
        if bot.ended:
            options.append('ended session')
        if allow_retry and bot.history:
            options += ['retry other content'] * 2
        choice = rng.choice(options)
        if choice == 'profit off':
            delta = 2 * qd if o == 'WIN' else qd
            a['profit_loss'] = (info['payout'] - info['stake']) + rng.choice([delta, -delta])
            a['running_balance_after'] = None
            if a.get('running_balance_before') is None and info['after'] is not None:
                a['running_balance_before'] = info['before']
        elif choice == 'wrong outcome':
            if o == 'WIN':
                if args.get('cashout_multiplier') is not None and rng.random() < 0.5:
                    word = 'LOSS'
                else:
                    word = 'SKIP'
            elif o == 'LOSS':
                word = 'WIN'
            elif o == 'VOID':
                word = 'SKIP'
            else:
                word = rng.choice(['WIN', 'LOSS', 'VOID'])
            a['round_outcome'] = up_case(rng, word)
        elif choice == 'unknown game':
            a['game_name'] = 'nosuchgame'
        elif choice == 'unknown platform':
            a['platform_code'] = 'nosuchplatform'
        elif choice == 'inactive game':
            a['game_name'], a['platform_code'] = 'aviator', 'closed_casino'
        elif choice == 'ended before started':
            t = info['start']
            a['round_started_at'] = ts(t)
            a['round_ended_at'] = ts(t - 1)
        elif choice == 'cashout above crash':
            c = crash + D('0.01')
            if c > info['maxm']:
                return None
            a['round_outcome'] = 'WIN'
            a['cashout_multiplier'] = c
        elif choice == 'win without cashout':
            a['round_outcome'] = 'win'
            a['cashout_multiplier'] = None
            a['target_multiplier'] = None
        elif choice == 'skip with stake':
            a['round_outcome'] = 'SKIP'
        elif choice == 'stake over balance':
            a['stake_value'] = info['before'] + qd
        elif choice == 'skip with cashout':
            a['cashout_multiplier'] = D('1.50')
        elif choice == 'balance after off':
            delta = 2 * qd if o == 'WIN' else qd
            a['running_balance_after'] = info['after'] + delta
        elif choice == 'negative balance before':
            a['running_balance_before'] = None
            a['running_balance_after'] = D(0)
        elif choice == 'session on another game':
            others = [g for g in GAME_KEYS if g != info['game']]
            g = rng.choice(others)
            a['game_name'], a['platform_code'] = g
        elif choice == 'ended session':
            sid, status, last, started = rng.choice(bot.ended)
            a['session_id'] = sid
            a['round_number'] = last + 1000 + rng.randint(0, 1000)
        elif choice == 'retry other content':
            h = rng.choice(bot.history)
            a = dict(h['args'])
            hi = h['info']
            if rng.random() < 0.5 or hi['outcome'] == 'SKIP' or a.get('stake_value') is None:
                c = hi['crash'] + D('0.01')
                if c > hi['maxm']:
                    c = hi['crash'] - D('0.01')
                if c < 1:
                    return None
                a['crash_multiplier'] = c
            else:
                a['stake_value'] = a['stake_value'] + hi['qd']
        return choice, a

    # ------------------------------------------------------------------
    # kinds of calls
    # ------------------------------------------------------------------
    def pick_bot(self):
        return self.rng.choice(self.bots)

    def lcr_valid(self):
        bot = self.pick_bot()
        args, info, commit = self.round_template(bot)
        commit()
        return Call('log_crash_round', True, self.fcall('log_crash_round', args),
                    label=info['edge'] or '')

    def lcr_retry(self):
        bot = self.pick_bot()
        if not bot.history:
            return self.lcr_valid()
        h = self.rng.choice(bot.history)
        return Call('log_crash_round', True, self.fcall('log_crash_round', h['args']), label='retry')

    def lcr_invalid(self):
        bot = self.pick_bot()
        args, info, commit = self.round_template(bot)
        if self.rng.random() < 0.65:
            label, name, value = self.round_arg_bad(args, info, [a.name for a in ROUND_ARGS])
            args[name] = value
        else:
            r = self.round_semantic_bad(bot, args, info)
            if r is None:
                return self.lcr_invalid()
            label, args = r
        return Call('log_crash_round', False, self.fcall('log_crash_round', args), label=label)

    def outcome_args(self, args):
        return {k: args.get(k) for k in OUTCOME_ARG_NAMES}

    def outcome_retry(self):
        bot = self.pick_bot()
        bets = [h for h in bot.history if h['info']['outcome'] != 'SKIP']
        if not bets:
            return self.lcr_valid()
        h = self.rng.choice(bets)
        a = self.outcome_args(h['args'])
        info = h['info']
        a['stake_value'] = info['stake']
        if a['round_outcome'] is None and self.rng.random() < 0.5:
            a['round_outcome'] = info['outcome']
        if a['profit_loss'] is None and self.rng.random() < 0.5:
            a['profit_loss'] = info['profit']
        return Call('log_round_outcome', True, self.fcall('log_round_outcome', a), label='retry')

    def outcome_invalid(self):
        bot = self.pick_bot()
        args, info, commit = self.round_template(bot, force_bet=True, edge=False)
        if info['outcome'] == 'SKIP':
            return self.outcome_invalid()
        if info['outcome'] == 'WIN' and args.get('cashout_multiplier') is None:
            args['cashout_multiplier'] = info['target']   # log_round_outcome takes no target
        a = self.outcome_args(args)
        r = self.rng.random()
        if r < 0.55:
            label, name, value = self.round_arg_bad(a, info, OUTCOME_ARG_NAMES)
            if name == 'stake_value' and value is None:
                label = 'stake_value=NULL'
            a[name] = value
        elif r < 0.7:
            label, v = self.rng.choice([('stake_value=NULL', None), ('stake_value=0', '0'), ('stake_value=-1', '-1'),
                                        ('round_outcome=SKIP', 'skip')])
            a['stake_value' if label.startswith('stake') else 'round_outcome'] = v
        else:
            res = self.round_semantic_bad(bot, a, info)
            if res is None:
                return self.outcome_invalid()
            label, full = res
            a = self.outcome_args(full)
            if label in ('ended before started', 'balance after off', 'negative balance before',
                         'stake over balance'):
                return self.outcome_invalid()   # rules on arguments log_round_outcome does not take
        return Call('log_round_outcome', False, self.fcall('log_round_outcome', a), label=label)

    def batch(self, valid):
        rng = self.rng
        if valid and rng.random() < 0.01:
            return Call('log_crash_rounds', True, "EXECUTE p_log_crash_rounds('[]')", label='empty batch')
        k = rng.randint(1, 6)
        bots = rng.sample(self.bots, k)
        elems = []
        commits = []
        for b in bots:
            args, info, commit = self.round_template(b)
            elems.append((b, args, info))
            commits.append(commit)
        label = ''
        if valid:
            for c in commits:
                c()
            texts = [self.jelement(a) for (b, a, i) in elems]
            if rng.random() < 0.2:
                b = rng.choice(self.bots)
                if b.history:
                    texts.insert(rng.randint(0, len(texts)), self.jelement(rng.choice(b.history)['args']))
                    label = 'with a retry'
            doc = '[' + ', '.join(texts) + ']'
            return Call('log_crash_rounds', True, 'EXECUTE p_log_crash_rounds(%s)' % lit(doc), label=label)
        bad = rng.randrange(k)
        texts = []
        r = rng.random()
        for j, (b, a, info) in enumerate(elems):
            if j != bad:
                texts.append(self.jelement(a))
                continue
            if r < 0.55:
                name = rng.choice([x.name for x in ROUND_ARGS])
                label, frag = self.json_arg_bad(name, a, info)
                texts.append(self.jelement(a, {name: frag}))
                label = '%s=%s' % (name, label)
            elif r < 0.85:
                res = self.round_semantic_bad(b, a, info)
                if res is None:
                    texts.append(self.jelement(a, {'round_number': '-1'}))
                    label = 'round_number=-1'
                else:
                    label, a2 = res
                    texts.append(self.jelement(a2))
            else:
                label, t = rng.choice([('unknown key', self.jelement(a, {'stake': '1'})),
                                       ('element is a number', '5'), ('element is an array', '[]'),
                                       ('element is a string', '"x"'), ('element is null', 'null')])
                texts.append(t)
        doc = '[' + ', '.join(texts) + ']'
        if r >= 0.95:
            label, doc = rng.choice([
                ('not an array', texts[0] if texts[0].startswith('{') else '{}'),
                ('truncated json', doc[:-1]),
                ('\\u0000', doc[:-1] + ', {"bot_id": "a\\u0000"}]'),
                ('lone surrogate', doc[:-1] + ', {"bot_id": "\\ud800"}]'),
                ('deep nesting', str(DEEP_JSON)),
                ('scalar', '42'),
                ('json null', 'null'),
            ])
        if r >= 0.93 and r < 0.95:
            return Call('log_crash_rounds', False,
                        "EXECUTE p_log_crash_rounds(E'[{\"bot_id\": \"\\xc3\\x28\"}]')", label='utf8 in batch')
        return Call('log_crash_rounds', False, 'EXECUTE p_log_crash_rounds(%s)' % lit(doc), label=label)

    def json_arg_bad(self, name, args, info):
        rng = self.rng
        spec = ROUND_ARG[name]
        k = spec.kind
        bet = info['outcome'] != 'SKIP'
        if k == 'ident':
            bank = J_IDENT_BAD(spec.maxlen, spec.required)
        elif k == 'text':
            bank = J_TEXT_BAD(spec.maxlen)
        elif k == 'bigint':
            bank = J_BIGINT_BAD + ([('null', 'null')] if spec.required else [])
        elif k in ('int', 'slot'):
            bank = J_INT_BAD + ([('0', '0'), ('17', '17')] if k == 'slot' else [])
        elif k == 'stake':
            bank = J_NUM_BAD + [('-1', '-1'), ('too many decimals', str(quant(info['dec'] + 1)))]
            if bet and (args.get('round_outcome') is not None or args.get('cashout_multiplier') is not None):
                bank += [('0 for a bet', '0'), ('null for a bet', 'null')]
        elif k == 'mult':
            bank = j_mult_bad(info['maxm']) + ([('null', 'null')] if spec.required else [])
        elif k == 'money':
            bank = J_NUM_BAD + [('too many decimals', str(quant(info['dec'] + 1)))]
        elif k == 'unit':
            bank = J_NUM_BAD + [('-1', '-1'), ('1.5', '1.5')]
        elif k == 'ts':
            bank = J_TS_BAD
        elif k == 'bool':
            bank = J_BOOL_BAD
        elif k == 'jobj':
            bank = J_JOBJ_BAD
        elif k == 'tags':
            bank = J_TAGS_BAD
        elif k == 'outcome':
            bank = J_OUTCOME_BAD
        else:
            raise ValueError(k)
        return rng.choice(bank)

    def insert(self, valid):
        rng = self.rng
        bot = self.pick_bot()
        if valid:
            if bot.history and rng.random() < 0.1:
                return Call('insert', True, self.insert_sql(rng.choice(bot.history)['args']), conn='a',
                            label='retry')
            args, info, commit = self.round_template(bot)
            commit()
            if rng.random() < 0.2:
                args = dict(args)
                args['payout_value'] = info['stake'] + info['profit']
            return Call('insert', True, self.insert_sql(args), conn='a', label=info['edge'] or '')
        args, info, commit = self.round_template(bot)
        r = rng.random()
        if r < 0.6:
            label, name, value = self.round_arg_bad(args, info, [a.name for a in ROUND_ARGS])
            args[name] = value
            return Call('insert', False, self.insert_sql(args, extra=(name,)), conn='a', label=label)
        if r < 0.75:
            label, v = rng.choice([('payout_value=NaN', 'NaN'), ('payout_value=Infinity', 'Infinity'),
                                   ('payout_value off', info['stake'] + info['profit'] + 2 * info['qd']),
                                   ('payout_value=abc', 'abc')])
            args['payout_value'] = v
            return Call('insert', False, self.insert_sql(args), conn='a', label=label)
        res = self.round_semantic_bad(bot, args, info)
        if res is None:
            return self.insert(False)
        label, a = res
        return Call('insert', False, self.insert_sql(a, extra=tuple(a)), conn='a', label=label)

    def copy(self, valid):
        rng = self.rng
        bots = rng.sample(self.bots, rng.randint(1, 3))
        rows = []
        commits = []
        infos = []
        for b in bots:
            args, info, commit = self.round_template(b, edge=False)
            rows.append(args)
            commits.append(commit)
            infos.append(info)
        if valid:
            for c in commits:
                c()
            sql, data = self.copy_text(rows)
            return Call('copy', True, sql, conn='a', copy=data)
        j = rng.randrange(len(rows))
        label, col, v = rng.choice([
            ('bot_id=utf8 c3 28', 'bot_id', b'b\xc3\x28'), ('game_name=utf8 ff', 'game_name', b'\xff'),
            ('stake_value=abc', 'stake_value', 'abc'), ('crash_multiplier=NaN', 'crash_multiplier', 'NaN'),
            ('crash_multiplier=0', 'crash_multiplier', '0'), ('round_number=-1', 'round_number', '-1'),
            ('metadata=[]', 'metadata', '[]'), ('tags=2-dim', 'tags', '{{a},{b}}'),
            ('round_started_at=infinity', 'round_started_at', 'infinity'),
            ('bot_id=empty', 'bot_id', '')])
        rows[j] = dict(rows[j])
        rows[j][col] = v
        sql, data = self.copy_text(rows)
        return Call('copy', False, sql, conn='a', copy=data, label=label)

    # --- the other loggers ---------------------------------------------
    def generic_invalid(self, fn, args, extra_bank=None):
        """One bad value in one argument of fn (extra_bank: {arg: [(label, value)]} replacing the kind's)."""
        rng = self.rng
        specs = FUNCS[fn]
        spec = rng.choice(specs)
        bank = (extra_bank or {}).get(spec.name) or spec.sql_bad()
        label, value = self.pick(bank)
        a = dict(args)
        a[spec.name] = value
        return Call(fn, False, self.fcall(fn, a), conn='a' if fn in ADMIN_FUNCS else 'w',
                    label='%s=%s' % (spec.name, label))

    def maybe_edge(self, fn, args, skip=()):
        rng = self.rng
        if rng.random() < 0.2:
            cands = [a for a in FUNCS[fn] if not a.required and a.name not in skip and a.sql_edge()]
            if cands:
                spec = rng.choice(cands)
                label, v = rng.choice(spec.sql_edge())
                args[spec.name] = v
                return '%s=%s' % (spec.name, label)
        return ''

    def error_args(self):
        rng = self.rng
        bot = self.pick_bot()
        a = {'bot_id': bot.bot_id, 'error_type': rng.choice(['ocr_timeout', 'network', 'captcha', 'balance_read']),
             'error_message': rng.choice(['no multiplier on screen', 'connection reset by peer', 'HTTP 502']),
             'occurred_at': ts(bot.clock)}
        if rng.random() < 0.5:
            a['session_id'] = bot.session.sid
        if rng.random() < 0.3:
            a['stack_trace'] = 'Traceback (most recent call last):\n  File "bot.py", line %d\n' % rng.randint(1, 999)
        if rng.random() < 0.3:
            a['recovery_action'] = rng.choice(['restart capture', 'reconnect', ''])
        if rng.random() < 0.5:
            a['severity'] = up_case(rng, rng.choice(SEVERITIES))
        if rng.random() < 0.3:
            a['round_number'] = rng.randint(0, 10000)
        if rng.random() < 0.3:
            a['context'] = JText(json.dumps({'screen': rng.randint(0, 3)}))
        return a

    def log_error(self, valid):
        a = self.error_args()
        if valid:
            label = self.maybe_edge('log_error', a)
            return Call('log_error', True, self.fcall('log_error', a), label=label)
        return self.generic_invalid('log_error', a, {'stack_trace': [('1M+1 chars', STACK_TOO_LONG), UTF8_TEXT]})

    def ocr_args(self):
        rng = self.rng
        bot = self.pick_bot()
        a = {'bot_id': bot.bot_id}
        v = D(str(round(1 + rng.random() * 20, 2)))
        m = rng.random()
        if m < 0.6:
            a['raw_text'] = '%sx' % v
            a['parsed_value'] = v
        elif m < 0.8:
            a['raw_text'] = rng.choice(['', '??', '1,2x', 'l.5x'])
        else:
            a['raw_text'] = '%sx' % v
            a['parsed_value'] = rng.choice([D('-5'), D('0'), D('2.345'), D('1e-300'), D('99999999999999.99')])
        if rng.random() < 0.5:
            a['confidence'] = D(str(round(rng.random(), 3)))
        if rng.random() < 0.3:
            a['is_valid'] = a.get('parsed_value') is not None and rng.random() < 0.5
        if rng.random() < 0.5:
            a['session_id'] = bot.session.sid
            a['game_name'], a['platform_code'] = bot.session.game
            a['round_number'] = bot.session.next_round
        if rng.random() < 0.2:
            a['validation_error'] = 'unparsable'
        return a

    def log_ocr(self, valid):
        a = self.ocr_args()
        if valid:
            label = self.maybe_edge('log_ocr_validation', a, skip=('is_valid',))
            return Call('log_ocr_validation', True, self.fcall('log_ocr_validation', a), label=label)
        if self.rng.random() < 0.1:
            a['is_valid'] = True
            a['parsed_value'] = None
            return Call('log_ocr_validation', False, self.fcall('log_ocr_validation', a),
                        label='is_valid without parsed_value')
        return self.generic_invalid('log_ocr_validation', a)

    def signal_args(self):
        rng = self.rng
        bot = self.pick_bot()
        g = rng.choice(GAME_KEYS) if rng.random() < 0.2 else bot.session.game
        a = {'bot_id': bot.bot_id, 'session_id': bot.session.sid, 'game_name': g[0], 'platform_code': g[1],
             'signal_type': rng.choice(['model', 'pattern', 'ml_v3']),
             'target_multiplier': D(str(round(1.01 + rng.random() * 3, 2)))}
        if rng.random() < 0.6:
            a['confidence_score'] = D(str(round(rng.random(), 4)))
        if rng.random() < 0.5:
            a['model_name'] = rng.choice(['xgb', 'lstm-7', 'rules'])
        if rng.random() < 0.3:
            a['pattern_match'] = 'LLH'
        if rng.random() < 0.4:
            a['feature_vector'] = JText(json.dumps([round(rng.random(), 3) for _ in range(4)]))
        if rng.random() < 0.3:
            a['emitted_after_round'] = max(0, bot.session.next_round - 1)
        return a, GAMES[g][3]

    def log_signal(self, valid):
        a, maxm = self.signal_args()
        if valid:
            label = self.maybe_edge('log_round_signal', a)
            return Call('log_round_signal', True, self.fcall('log_round_signal', a), label=label)
        r = self.rng.random()
        if r < 0.15:
            label, g = self.rng.choice([('unknown game', ('nosuchgame', 'dafabet')),
                                        ('inactive game', ('aviator', 'closed_casino'))])
            a['game_name'], a['platform_code'] = g
            return Call('log_round_signal', False, self.fcall('log_round_signal', a), label=label)
        return self.generic_invalid('log_round_signal', a,
                                    {'target_multiplier': mult_bad(maxm) + [('1.00', '1.00'), ('NULL', None)]})

    def register_bot(self, valid):
        rng = self.rng
        if rng.random() < 0.3:
            self.extra_bots += 1 if valid else 0
            bot_id = 'rb%04d' % (self.extra_bots if valid else rng.randint(0, 9999))
        else:
            bot_id = self.pick_bot().bot_id
        a = {'bot_id': bot_id}
        for k, vals in (('bot_name', ['Bot A', 'night runner']), ('vm_provider', ['hetzner', 'aws']),
                        ('vm_host', ['10.0.0.5', 'vm-7']), ('vm_region', ['fsn1', 'eu-west-1']),
                        ('strategy_name', ['flat_1.5x', 'martingale']), ('status', BOT_STATUSES)):
            if rng.random() < 0.4:
                a[k] = rng.choice(vals)
        if rng.random() < 0.3:
            a['initial_balance'] = D(rng.choice(['0', '100.00', '2500.5']))
        if rng.random() < 0.3:
            a['signal_rules'] = rng.choice(RULES_VALID)
        if rng.random() < 0.2:
            a['metadata'] = JText('{"owner": "ops"}')
        if valid:
            label = self.maybe_edge('register_bot', a)
            return Call('register_bot', True, self.fcall('register_bot', a), label=label)
        return self.generic_invalid('register_bot', a, {
            'initial_balance': NUM_BAD + [('-1', '-1'), ('-1e-300', '-1e-300')],
            'signal_rules': RULES_BAD})

    def start_session(self, valid):
        rng = self.rng
        bot = self.pick_bot()
        s = bot.session
        dec = GAMES[s.game][0]
        if valid:
            if not s.exists:
                a = {'bot_id': bot.bot_id, 'session_id': s.sid, 'game_name': s.game[0], 'platform_code': s.game[1],
                     'started_at': ts(bot.clock)}
                if rng.random() < 0.7:
                    a['balance_start'] = D(rng.choice([200, 1000, 5000])).quantize(quant(dec))
                if rng.random() < 0.3:
                    a['metadata'] = JText('{"vm": "%d"}' % bot.i)
                label = self.maybe_edge('start_session', a, skip=('balance_start', 'game_name', 'platform_code'))
                s.exists = True
                s.started_at = bot.clock
                if a.get('balance_start') is not None:
                    s.balance = s.balance_start = a['balance_start']
                return Call('start_session', True, self.fcall('start_session', a), label=label)
            # the same start again: a retry, returns the session's id
            a = {'bot_id': bot.bot_id, 'session_id': s.sid}
            if rng.random() < 0.5 or s.started_at is None:
                a['game_name'], a['platform_code'] = s.game
            if s.balance_start is not None and rng.random() < 0.5:
                a['balance_start'] = s.balance_start
            a['started_at'] = ts(bot.clock)
            return Call('start_session', True, self.fcall('start_session', a), label='retry')
        a = {'bot_id': bot.bot_id, 'session_id': s.sid if not s.exists else s.sid + 'x', 'game_name': s.game[0],
             'platform_code': s.game[1], 'started_at': ts(bot.clock),
             'balance_start': D(1000).quantize(quant(dec))}
        r = rng.random()
        if r < 0.3:
            opts = [('unknown game', {'game_name': 'nosuchgame'}), ('inactive game', {'game_name': 'aviator', 'platform_code': 'closed_casino'}),
                    ('game without platform', {'platform_code': None}), ('platform without game', {'game_name': None})]
            if s.exists and s.started_at is not None:
                other = rng.choice([g for g in GAME_KEYS if g != s.game])
                opts.append(('started on another game', {'session_id': s.sid, 'game_name': other[0], 'platform_code': other[1],
                                                         'balance_start': None}))
                if s.balance_start is not None:
                    opts.append(('started with another balance', {'session_id': s.sid,
                                                                  'balance_start': s.balance_start + quant(dec)}))
            if bot.ended:
                opts.append(('restart an ended session', {'session_id': rng.choice(bot.ended)[0], 'game_name': None,
                                                          'platform_code': None, 'balance_start': None}))
            label, ch = rng.choice(opts)
            a.update(ch)
            return Call('start_session', False, self.fcall('start_session', a), label=label)
        return self.generic_invalid('start_session', a, {
            'balance_start': NUM_BAD + [('-1', '-1'), ('too many decimals', str(quant(dec + 1)))],
            'game_name': ident_bad(64, False) + [('NULL', None)], 'platform_code': ident_bad(64, False) + [('NULL', None)]})

    def end_session(self, valid):
        rng = self.rng
        bot = self.pick_bot()
        s = bot.session
        if valid:
            if bot.ended and rng.random() < 0.2:
                sid, status, last, started = rng.choice(bot.ended)
                a = {'bot_id': bot.bot_id, 'session_id': sid, 'status': up_case(rng, status),
                     'ended_at': ts(bot.clock)}
                return Call('end_session', True, self.fcall('end_session', a), label='again')
            if not s.exists or s.pending_slot is not None:
                return self.lcr_valid()
            status = rng.choice(END_STATUSES + [None])
            bot.clock += 2
            a = {'bot_id': bot.bot_id, 'session_id': s.sid, 'status': up_case(rng, status) if status else None,
                 'ended_at': ts(bot.clock)}
            if rng.random() < 0.4:
                a['end_reason'] = rng.choice(['stop loss', 'maintenance', ''])
            bot.ended.append((s.sid, status or 'completed', s.next_round - 1, s.started_at))
            bot.new_session(rng)
            return Call('end_session', True, self.fcall('end_session', a), label='' if status else 'status=NULL')
        a = {'bot_id': bot.bot_id, 'session_id': s.sid, 'status': 'completed', 'ended_at': ts(bot.clock + 1)}
        r = rng.random()
        if r < 0.3:
            opts = [('unknown session', {'session_id': s.sid + '-nosuch'})]
            if bot.ended:
                sid, status, last, started = rng.choice(bot.ended)
                other = rng.choice([x for x in END_STATUSES if x != status])
                opts.append(('ended again with another status', {'session_id': sid, 'status': other}))
            if s.exists and s.started_at is not None:
                opts.append(('ended before it started', {'ended_at': ts(s.started_at - 86400)}))
            label, ch = rng.choice(opts)
            a.update(ch)
            return Call('end_session', False, self.fcall('end_session', a), label=label)
        return self.generic_invalid('end_session', a, {'status': word_bad(END_STATUSES)})

    def multiplier(self, valid):
        rng = self.rng
        bot = self.pick_bot()
        g = bot.watch_game
        maxm, rtp = GAMES[g][3], GAMES[g][4]
        sid = '%s-w%02d' % (bot.bot_id, bot.watch_k)
        if valid:
            if bot.watch_log and rng.random() < 0.15:
                wsid, n, m, wg = rng.choice(bot.watch_log)
                a = {'bot_id': bot.bot_id, 'session_id': wsid, 'game_name': wg[0], 'platform_code': wg[1],
                     'round_number': n, 'multiplier': m, 'observed_at': ts(bot.clock)}
                return Call('log_round_multiplier_analytics', True,
                            self.fcall('log_round_multiplier_analytics', a), label='retry')
            m = draw_crash(rng, maxm, rtp)
            a = {'bot_id': bot.bot_id, 'session_id': sid, 'game_name': g[0], 'platform_code': g[1],
                 'round_number': bot.watch_next, 'multiplier': m, 'observed_at': ts(bot.clock)}
            if rng.random() < 0.3:
                a['platform_round_id'] = 'w%d' % bot.watch_next
            label = self.maybe_edge('log_round_multiplier_analytics', a)
            bot.watch_log.append((sid, bot.watch_next, m, g))
            if len(bot.watch_log) > 200:
                del bot.watch_log[:50]
            bot.watch_next += 1
            bot.clock += rng.randint(5, 30)
            if rng.random() < 0.01:
                bot.watch_k += 1
                bot.watch_next = 1
                bot.watch_game = rng.choice(GAME_KEYS)
            return Call('log_round_multiplier_analytics', True, self.fcall('log_round_multiplier_analytics', a),
                        label=label)
        a = {'bot_id': bot.bot_id, 'session_id': sid, 'game_name': g[0], 'platform_code': g[1],
             'round_number': bot.watch_next, 'multiplier': draw_crash(rng, maxm, rtp), 'observed_at': ts(bot.clock)}
        r = rng.random()
        if r < 0.3:
            opts = [('unknown game', {'game_name': 'nosuchgame'}),
                    ('inactive game', {'game_name': 'aviator', 'platform_code': 'closed_casino'})]
            if bot.watch_log:
                wsid, n, m, wg = rng.choice(bot.watch_log)
                other = m + D('0.01') if m + D('0.01') <= GAMES[wg][3] else m - D('0.01')
                opts.append(('retry other multiplier', {'session_id': wsid, 'round_number': n, 'multiplier': other,
                                                        'game_name': wg[0], 'platform_code': wg[1]}))
            if bot.ended:
                sid2, status, last, started = rng.choice(bot.ended)
                opts.append(('ended session', {'session_id': sid2, 'round_number': last + 5000 + rng.randint(0, 99)}))
            label, ch = rng.choice(opts)
            a.update(ch)
            return Call('log_round_multiplier_analytics', False, self.fcall('log_round_multiplier_analytics', a),
                        label=label)
        return self.generic_invalid('log_round_multiplier_analytics', a,
                                    {'multiplier': mult_bad(maxm) + [('NULL', None)]})

    def register_game(self, valid):
        rng = self.rng
        if valid:
            a = dict(rng.choice(SETUP_GAMES[:2]))
            return Call('register_game_platform', True, self.fcall('register_game_platform', a), conn='a',
                        label='same again')
        self.next_game += 1
        a = {'game_name': 'g%05d' % rng.randint(0, 99999), 'platform_code': 'p%d' % rng.randint(0, 9),
             'rtp': D('0.97'), 'currency': 'EUR', 'currency_decimals': 2, 'min_bet': D('0.10'),
             'max_bet': D('100'), 'max_multiplier': D('5000.00')}
        if rng.random() < 0.15:
            label, ch = rng.choice([('max_bet below min_bet', {'min_bet': D('5'), 'max_bet': D('1')}),
                                    ('new game without rtp', {'rtp': None})])
            a.update(ch)
            return Call('register_game_platform', False, self.fcall('register_game_platform', a), conn='a',
                        label=label)
        key_bad = ident_bad(64, True) + [('upper-case symbol', 'Bad!'), ('space', 'a b')]
        return self.generic_invalid('register_game_platform', a, {
            'game_name': key_bad, 'platform_code': key_bad,
            'rtp': NUM_BAD + [('0', '0'), ('-1', '-1'), ('1.01', '1.01')],
            'currency': ident_bad(10, False) + [('symbol', 'U$'), ('1 char', 'E')],
            'currency_decimals': INT_BAD + [('9', '9')],
            'min_bet': NUM_BAD + [('0', '0'), ('-1', '-1')],
            'max_bet': NUM_BAD + [('-1', '-1')],
            'max_multiplier': mult_bad(D('99999999.99')) + [('1.00', '1.00'), ('1e8', '100000000')],
        })

    # ------------------------------------------------------------------
    def stream(self, n):
        """Yield n calls.  The first calls set up games and bots (valid)."""
        for g in SETUP_GAMES:
            yield Call('register_game_platform', True, self.fcall('register_game_platform', g), conn='a',
                       label='setup')
        for b in self.bots[::2]:
            a = {'bot_id': b.bot_id, 'strategy_name': 'flat_1.5x', 'initial_balance': D('1000.00'),
                 'signal_rules': self.rng.choice(RULES_VALID[:3])}
            yield Call('register_bot', True, self.fcall('register_bot', a), label='setup')
        table = [
            (300, self.lcr_valid), (30, self.lcr_retry), (220, self.lcr_invalid),
            (25, lambda: self.batch(True)), (25, lambda: self.batch(False)),
            (25, lambda: self.insert(True)), (25, lambda: self.insert(False)),
            (5, lambda: self.copy(True)), (5, lambda: self.copy(False)),
            (30, lambda: self.log_error(True)), (30, lambda: self.log_error(False)),
            (30, lambda: self.log_ocr(True)), (30, lambda: self.log_ocr(False)),
            (25, lambda: self.log_signal(True)), (25, lambda: self.log_signal(False)),
            (10, lambda: self.register_bot(True)), (20, lambda: self.register_bot(False)),
            (10, lambda: self.start_session(True)), (15, lambda: self.start_session(False)),
            (7, lambda: self.end_session(True)), (13, lambda: self.end_session(False)),
            (15, lambda: self.multiplier(True)), (15, lambda: self.multiplier(False)),
            (10, self.outcome_retry), (15, self.outcome_invalid),
            (2, lambda: self.register_game(True)), (8, lambda: self.register_game(False)),
        ]
        weights = [w for w, f in table]
        funcs = [f for w, f in table]
        count = len(SETUP_GAMES) + len(self.bots[::2])
        while count < n:
            f = self.rng.choices(funcs, weights)[0]
            yield f()
            count += 1


# ----------------------------------------------------------------------
# Running a stream against a database
# ----------------------------------------------------------------------
def prepare_all(conn, admin):
    cur = conn.cursor()
    for fn, specs in FUNCS.items():
        if (fn in ADMIN_FUNCS) != admin:
            continue
        types = ', '.join(a.sqltype for a in specs)
        params = ', '.join('$%d' % (i + 1) for i in range(len(specs)))
        cur.execute('PREPARE p_%s (%s) AS SELECT crash_analytics.%s(%s)' % (fn, types, fn, params))
    if not admin:
        cur.execute('PREPARE p_log_crash_rounds (jsonb) AS SELECT crash_analytics.log_crash_rounds($1)')


def dump_call(f, call):
    """One call as psql input (a reproduction runs the script as the owner, in one session)."""
    if f.tell() == 0:
        f.write('-- generated by test/reliability/bad_input_gen.py: psql -X -d DB -f THIS (as the owner)\n')
        f.write("SET TIME ZONE 'UTC';\n")
        for fn, specs in FUNCS.items():
            f.write('PREPARE p_%s (%s) AS SELECT crash_analytics.%s(%s);\n' % (
                fn, ', '.join(a.sqltype for a in specs), fn, ', '.join('$%d' % (i + 1) for i in range(len(specs)))))
        f.write('PREPARE p_log_crash_rounds (jsonb) AS SELECT crash_analytics.log_crash_rounds($1);\n')
    f.write('-- %s %s %s\n' % ('valid' if call.valid else 'invalid', call.kind, call.label.replace('\n', ' ')))
    if call.copy is not None:
        f.write(call.sql + ';\n' + call.copy.decode('utf-8', 'surrogateescape') + '\\.\n')
    else:
        f.write(call.sql + ';\n')


def connect(dsn, admin):
    import psycopg2
    c = psycopg2.connect(dsn)
    c.autocommit = True
    # durability is not under test here: commits need not wait for the disk
    c.cursor().execute("SET TIME ZONE 'UTC'; SET synchronous_commit = off")
    prepare_all(c, admin)
    return c


def cmd_run(opts):
    import psycopg2
    gen = Gen(opts.seed)
    base = 'host=%s port=%s dbname=%s' % (opts.host, opts.port, opts.db)
    dsn_w = base + ' user=%s' % opts.writer
    dsn_a = base + ' user=%s' % opts.admin
    conns = {'w': connect(dsn_w, False), 'a': connect(dsn_a, True)}
    stats = {'calls': 0, 'sent': 0, 'valid_sent': 0, 'invalid_sent': 0, 'by_kind': {}, 'sqlstates': {},
             'labels': {}, 'problems': [], 'crashes': [], 'undocumented': {}, 'bytes': 0}
    problems = stats['problems']
    t0 = time.time()
    for call in gen.stream(opts.calls):
        stats['calls'] += 1
        if opts.mode == 'valid' and not call.valid:
            continue
        if opts.invalid_kinds and not call.valid and call.kind not in opts.invalid_kinds.split(','):
            continue
        if opts.dump:
            dump_call(opts.dump, call)
        stats['sent'] += 1
        stats['valid_sent' if call.valid else 'invalid_sent'] += 1
        k = stats['by_kind'].setdefault(call.kind, {'valid': 0, 'invalid': 0})
        k['valid' if call.valid else 'invalid'] += 1
        stats['bytes'] += len(call.sql) + (len(call.copy) if call.copy else 0)
        conn = conns[call.conn]
        code = None
        lost = False
        err = ''
        try:
            cur = conn.cursor()
            if call.copy is not None:
                cur.copy_expert(call.sql, io.BytesIO(call.copy))
            else:
                cur.execute(call.sql)
                if cur.description is not None:
                    cur.fetchall()
        except psycopg2.Error as e:
            code = e.pgcode
            err = str(e).strip()
            if code is None or code.startswith('57P') or code in ('08006', '08003', 'XX000', 'XX001', 'XX002'):
                lost = code is None or code.startswith('57P') or code.startswith('08')
        if code in ('XX000', 'XX001', 'XX002'):
            stats['crashes'].append({'call': stats['calls'], 'kind': call.kind, 'label': call.label,
                                     'error': 'internal error: ' + err[:500], 'sql': call.sql[:4000]})
        if lost or conn.closed:
            stats['crashes'].append({'call': stats['calls'], 'kind': call.kind, 'label': call.label,
                                     'error': err or 'connection closed', 'sql': call.sql[:4000],
                                     'copy': call.copy[:2000].decode('utf-8', 'replace') if call.copy else None})
            time.sleep(2)
            for key, dsn, adm in (('w', dsn_w, False), ('a', dsn_a, True)):
                for _ in range(60):
                    try:
                        conns[key].close()
                    except Exception:
                        pass
                    try:
                        conns[key] = connect(dsn, adm)
                        break
                    except psycopg2.Error:
                        time.sleep(1)
            continue
        if code is not None:
            stats['sqlstates'][code] = stats['sqlstates'].get(code, 0) + 1
            key = '%s %s' % (call.kind, call.label)
            stats['labels'].setdefault(key, {})
            stats['labels'][key][code] = stats['labels'][key].get(code, 0) + 1
            if code not in DOCUMENTED:
                u = stats['undocumented'].setdefault(code, {'count': 0, 'examples': []})
                u['count'] += 1
                if len(u['examples']) < 5:
                    u['examples'].append({'call': stats['calls'], 'kind': call.kind, 'label': call.label,
                                          'error': err[:500], 'sql': call.sql[:1500]})
            if call.valid and len(problems) < 200:
                problems.append({'what': 'a valid call failed', 'call': stats['calls'], 'kind': call.kind,
                                 'label': call.label, 'sqlstate': code, 'error': err[:600],
                                 'sql': call.sql[:1500]})
        else:
            stats['sqlstates']['ok'] = stats['sqlstates'].get('ok', 0) + 1
            if not call.valid and len(problems) < 200:
                problems.append({'what': 'an invalid call succeeded', 'call': stats['calls'], 'kind': call.kind,
                                 'label': call.label, 'sql': call.sql[:1500]})
        if opts.progress and stats['sent'] % 20000 == 0:
            print('  %s: %d calls sent in %.0f s' % (opts.db, stats['sent'], time.time() - t0), file=sys.stderr)
    stats['seconds'] = round(time.time() - t0, 1)
    for c in conns.values():
        try:
            c.cursor().execute('SELECT 1')
        except Exception as e:
            stats['crashes'].append({'call': None, 'error': 'connection not usable at the end: %s' % e})
    with open(opts.out, 'w') as f:
        json.dump(stats, f, indent=1, sort_keys=True)


# ----------------------------------------------------------------------
# Comparing two databases
# ----------------------------------------------------------------------
ROUND_KEY = "(SELECT x.session_id || '/' || x.round_number || '/' || x.bet_slot FROM crash_analytics.crash_game_rounds x WHERE x.bot_id = t.bot_id AND x.id = t.%s)"
MULT_KEY = "(SELECT x.session_id || '/' || x.round_number FROM crash_analytics.analytics_round_multipliers x WHERE x.bot_id = t.bot_id AND x.id = t.%s)"

# How each table is compared.  The tables themselves come from the catalog:
# every table of the schema crash_analytics in either database is compared
# (TABLES_SQL), those named here by their own rule, any other by DEFAULT_RULE,
# and the report fails if a table of either database was not compared.
COMPARE = {
    # table: (columns left out, {id column: natural-key expression})
    'game_platform_config': (['id', 'created_at', 'updated_at'], {}),
    'bot_vm_registration': (['id', 'created_at', 'updated_at'], {}),
    'session_logs': (['id', 'created_at', 'updated_at'], {}),
    'crash_game_rounds': (['id', 'logged_at', 'derived_at', 'created_at', 'updated_at'], {}),
    'analytics_round_multipliers': (['id', 'created_at'], {'round_id': ROUND_KEY % 'round_id'}),
    'analytics_round_signals': (['id', 'created_at', 'updated_at'],
                                {'after_multiplier_id': MULT_KEY % 'after_multiplier_id',
                                 'resolved_multiplier_id': MULT_KEY % 'resolved_multiplier_id',
                                 # a bot's own signal is stamped with the time it was logged
                                 'emitted_at': "CASE WHEN t.source = 'rule' THEN t.emitted_at::text END"}),
    'analytics_round_outcomes': (['id', 'created_at'], {'round_id': ROUND_KEY % 'round_id'}),
    'ocr_validation_logs': (['id', 'created_at'], {}),
    'error_logs': (['id', 'created_at'], {}),
    'bot_rollups': (['updated_at'], {'last_round_id': ROUND_KEY % 'last_round_id'}),
    'bot_hourly_rollups': (['updated_at'], {}),
    'bot_series_state': (['updated_at'], {'last_multiplier_id': MULT_KEY % 'last_multiplier_id'}),
    'bot_series_history': (['marked_at'],
                           {'complete_after_multiplier_id': MULT_KEY % 'complete_after_multiplier_id'}),
    'bot_writers': (['granted_at'], {}),
}

TABLES_SQL = ("SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'crash_analytics'::regnamespace "
              "AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1")

# A table COMPARE does not name (one a later version adds) is compared
# without its identity columns and the columns whose default is the time of
# the write (now(), clock_timestamp(), ...): what differs between two runs of
# the same calls.  Any other column that differs (an id of another table,
# say) makes the table differ, loudly: then it needs a rule in COMPARE.
DEFAULT_RULE_SQL = """
SELECT a.attname FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped
   AND (a.attidentity <> '' OR pg_get_expr(d.adbin, d.adrelid)
        ~ '^(pg_catalog\\.)?(now|clock_timestamp|statement_timestamp|transaction_timestamp)\\(|^CURRENT_TIMESTAMP|^LOCALTIMESTAMP')"""


def table_rule(conn, table):
    if table in COMPARE:
        return COMPARE[table]
    cur = conn.cursor()
    cur.execute(DEFAULT_RULE_SQL, ('crash_analytics.' + quote_ident(table),))
    return [r[0] for r in cur.fetchall()], {}


def quote_ident(name):
    return '"' + name.replace('"', '""') + '"'


def table_rows(conn, table):
    skip, keys = table_rule(conn, table)
    cur = conn.cursor()
    cur.execute("SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                "AND NOT attisdropped ORDER BY attnum", ('crash_analytics.' + quote_ident(table),))
    cols = [r[0] for r in cur.fetchall()]
    exprs = []
    names = []
    for c in cols:
        if c in keys:
            exprs.append(keys[c])
            names.append(c)
        elif c not in skip:
            exprs.append('t.%s::text' % quote_ident(c))
            names.append(c)
    cur.execute('SELECT %s FROM crash_analytics.%s t' % (', '.join(exprs), quote_ident(table)))
    rows = sorted(tuple('\\N' if v is None else v for v in r) for r in cur.fetchall())
    return names, rows


def cmd_compare(opts):
    import psycopg2
    out = []
    ca = psycopg2.connect('host=%s port=%s dbname=%s user=%s' % (opts.host, opts.port, opts.db_a, opts.admin))
    cb = psycopg2.connect('host=%s port=%s dbname=%s user=%s' % (opts.host, opts.port, opts.db_b, opts.admin))
    ca.autocommit = cb.autocommit = True
    tables = {}
    for name, conn in (('a', ca), ('b', cb)):
        cur = conn.cursor()
        cur.execute(TABLES_SQL)
        tables[name] = [r[0] for r in cur.fetchall()]
    total = 0
    for table in sorted(set(tables['a']) | set(tables['b'])):
        rule = 'own' if table in COMPARE else 'default'
        if table not in tables['a'] or table not in tables['b']:
            out.append({'table': table, 'rule': rule, 'same': False,
                        'error': 'only in %s' % (opts.db_a if table in tables['a'] else opts.db_b)})
            continue
        try:
            na, ra = table_rows(ca, table)
            nb, rb = table_rows(cb, table)
        except psycopg2.Error as e:
            out.append({'table': table, 'rule': rule, 'same': False, 'error': str(e).strip()})
            continue
        total += len(rb)
        if ra == rb:
            out.append({'table': table, 'rule': rule, 'rows': len(ra), 'same': True})
            continue
        sa, sb = set(ra), set(rb)
        only_a = [dict(zip(na, r)) for r in ra if r not in sb][:3]
        only_b = [dict(zip(nb, r)) for r in rb if r not in sa][:3]
        out.append({'table': table, 'rule': rule, 'rows_a': len(ra), 'rows_b': len(rb), 'same': False,
                    'only_in_all_run': only_a, 'only_in_valid_run': only_b})
    with open(opts.out, 'w') as f:
        json.dump({'tables': out, 'rows': total, 'catalog_a': tables['a'], 'catalog_b': tables['b']},
                  f, indent=1, default=str)


def cmd_report(opts):
    """Check lines for common.sh (rel_checks_from): ok<TAB>what, not ok<TAB>what<TAB>evidence, figure<TAB>text."""
    lines = []

    def check(ok, what, evidence=''):
        lines.append('ok\t%s' % what if ok else 'not ok\t%s\t%s' % (what, evidence.replace('\\', '\\\\').replace('\n', '\\n').replace('\t', ' ')))

    def show(items):
        return '\n'.join(json.dumps(x, ensure_ascii=False)[:1500] for x in items[:6])

    a = json.load(open(opts.all_run))
    v = json.load(open(opts.valid_run))
    cmp_ = json.load(open(opts.compare_out))
    check(a['sent'] >= opts.min_calls,
          'run with everything: %d calls sent (%d valid, %d invalid) in %.0f s'
          % (a['sent'], a['valid_sent'], a['invalid_sent'], a['seconds']),
          'fewer than %d calls' % opts.min_calls)
    bad_valid = [x for x in a['problems'] if x['what'] == 'a valid call failed']
    check(not bad_valid, 'run with everything: each of the %d valid calls succeeded' % a['valid_sent'], show(bad_valid))
    bad_invalid = [x for x in a['problems'] if x['what'] == 'an invalid call succeeded']
    check(not bad_invalid, 'run with everything: each of the %d invalid calls was refused' % a['invalid_sent'],
          show(bad_invalid))
    und = a['undocumented']
    errors = sum(n for k, n in a['sqlstates'].items() if k != 'ok')
    check(not und, 'run with everything: the SQLSTATE of each of the %d errors is a documented one (%s)'
          % (errors, ', '.join(sorted(DOCUMENTED))),
          '\n'.join('%s: %d calls, e.g. %s' % (k, u['count'], show(u['examples'])) for k, u in und.items()))
    check(not a['crashes'], 'run with everything: no call lost its connection or raised an internal error',
          show(a['crashes']))
    bad_v = [x for x in v['problems']]
    check(not bad_v and v['sent'] == a['valid_sent'],
          'run with the valid calls alone: each of the %d valid calls succeeded' % v['sent'], show(bad_v))
    check(not v['crashes'], 'run with the valid calls alone: no call lost its connection', show(v['crashes']))
    # every table of the schema, in either database, was compared
    compared = [t['table'] for t in cmp_['tables'] if 'error' not in t]
    catalog = sorted(set(cmp_['catalog_a']) | set(cmp_['catalog_b']))
    not_compared = ['%s (%s)' % (t['table'], t['error']) for t in cmp_['tables'] if 'error' in t]
    not_compared += [t for t in catalog if t not in [x['table'] for x in cmp_['tables']]]
    check(not not_compared and len(compared) == len(catalog) > 0,
          'every table of schema crash_analytics compared: %d of %d (%s)'
          % (len(compared), len(catalog), ', '.join(catalog)),
          'not compared:\n' + '\n'.join(not_compared))
    default_rule = [t['table'] for t in cmp_['tables'] if t.get('rule') == 'default']
    if default_rule:
        lines.append('figure\ttables compared by the default rule (no entry in COMPARE): %s' % ', '.join(default_rule))
    for t in cmp_['tables']:
        if 'error' in t:
            continue
        if t['same']:
            check(True, 'table %s: identical after both runs (%d rows)' % (t['table'], t['rows']))
        else:
            check(False, 'table %s: identical after both runs' % t['table'],
                  'rows: %d after everything, %d after the valid calls alone\nonly after everything:\n%s\n'
                  'only after the valid calls alone:\n%s' % (t['rows_a'], t['rows_b'], show(t['only_in_all_run']),
                                                            show(t['only_in_valid_run'])))
    lines.append('figure\tcalls: %d in the run with everything (%d valid, %d invalid, %.1f MB of SQL), %d in the '
                 'run with the valid calls alone; %.0f s and %.0f s'
                 % (a['sent'], a['valid_sent'], a['invalid_sent'], a['bytes'] / 1e6, v['sent'], a['seconds'],
                    v['seconds']))
    lines.append('figure\tby function (valid/invalid): %s' % ', '.join(
        '%s %d/%d' % (k, x['valid'], x['invalid']) for k, x in sorted(a['by_kind'].items())))
    lines.append('figure\toutcomes in the run with everything: %s' % ', '.join(
        '%s %d' % (k, n) for k, n in sorted(a['sqlstates'].items())))
    lines.append('figure\tdistinct (function, bad input) kinds: %d; table rows compared: %d'
                 % (len(a['labels']), cmp_['rows']))
    with open(opts.out, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def cmd_sample(opts):
    gen = Gen(opts.seed)
    counts = {}
    for call in gen.stream(opts.calls):
        key = (call.kind, call.valid)
        counts[key] = counts.get(key, 0) + 1
        if opts.verbose:
            print('%s %s %s: %s' % ('V' if call.valid else 'X', call.kind, call.label, call.sql[:300]))
    for k in sorted(counts):
        print(k, counts[k])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--host', default='/tmp')
    p.add_argument('--port', default='5432')
    p.add_argument('--admin', default='postgres')
    p.add_argument('--writer', default='ca_bad_writer')
    sub = p.add_subparsers(dest='cmd', required=True)
    r = sub.add_parser('run')
    r.add_argument('--db', required=True)
    r.add_argument('--mode', choices=['all', 'valid'], required=True)
    r.add_argument('--seed', type=int, default=5)
    r.add_argument('--calls', type=int, default=110000)
    r.add_argument('--out', required=True)
    r.add_argument('--progress', action='store_true')
    r.add_argument('--invalid-kinds', help='send only the invalid calls of these kinds (comma-separated)')
    r.add_argument('--dump', type=argparse.FileType('w'), help='also write the calls sent as a psql script')
    c = sub.add_parser('compare')
    c.add_argument('--db-a', required=True)
    c.add_argument('--db-b', required=True)
    c.add_argument('--out', required=True)
    r = sub.add_parser('report')
    r.add_argument('--all-run', required=True)
    r.add_argument('--valid-run', required=True)
    r.add_argument('--compare-out', required=True)
    r.add_argument('--min-calls', type=int, default=100000)
    r.add_argument('--out', required=True)
    s = sub.add_parser('sample')
    s.add_argument('--seed', type=int, default=5)
    s.add_argument('--calls', type=int, default=1000)
    s.add_argument('--verbose', action='store_true')
    opts = p.parse_args()
    {'run': cmd_run, 'compare': cmd_compare, 'report': cmd_report, 'sample': cmd_sample}[opts.cmd](opts)


if __name__ == '__main__':
    main()
