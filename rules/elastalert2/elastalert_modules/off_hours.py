"""ElastAlert2 match enhancement: keep only matches outside office hours.

A rule opts in with
    match_enhancements: [elastalert_modules.off_hours.OffHours]
    run_enhancements_first: true
    off_hours: {tz: America/New_York, day_start: 7, day_end: 20}
and a match whose timestamp falls Monday–Friday in [day_start, day_end) local time is dropped.
This is the usual ElastAlert way to express time of day (no query clause can); a Painless script
filter would do the same on a full cluster, but minimal engine distributions ship no scripting.
Vigil's built-in rules baseline (src/eval/rules.ts) applies the same definition.
"""
from zoneinfo import ZoneInfo

from elastalert.enhancements import BaseEnhancement, DropMatchException
from elastalert.util import lookup_es_key, ts_to_dt


class OffHours(BaseEnhancement):
    def process(self, match):
        spec = self.rule.get('off_hours') or {}
        local = ts_to_dt(lookup_es_key(match, self.rule.get('timestamp_field', '@timestamp'))).astimezone(ZoneInfo(spec.get('tz', 'UTC')))
        if local.isoweekday() <= 5 and spec.get('day_start', 7) <= local.hour < spec.get('day_end', 20):
            raise DropMatchException()
