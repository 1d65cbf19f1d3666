"""Runs every ElastAlert2 rule of a rules folder once over a past time range, for real.

`elastalert --start S --end E` schedules the rules on wall-clock intervals and exits as soon as the
next run would start after E, which for a range in the past can be before any rule has run. This
driver builds the same ElastAlerter from the same command-line arguments and calls its own
run_rule(rule, end, start) once per rule: ElastAlert2's query loop (segments of buffer_time), rule
types, alerters and writeback index, unchanged. new_term rules load their history from the
terms_window_size before --start, as they do under `elastalert --start`.

Prints one JSON line per rule: {"rule", "matches", "hits", "seconds"}.
"""
import json
import logging
import sys
import time

from elastalert.elastalert import ElastAlerter
from elastalert.util import ts_to_dt


def main(argv):
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger('elastalert').setLevel(logging.WARNING)
    ea = ElastAlerter(argv)
    start = ts_to_dt(ea.args.start)
    end = ts_to_dt(ea.args.end)
    for rule in ea.rules:
        began = time.time()
        matches = ea.run_rule(rule, end, start)
        print(json.dumps({'rule': rule['name'], 'matches': matches, 'hits': ea.thread_data.cumulative_hits,
                          'seconds': round(time.time() - began, 2)}), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
