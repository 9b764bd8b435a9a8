/*
 * feed_event() as libical builds it: the reference the unit tests hold
 * feed_event()'s own text to, byte for byte. It is how feed_event() wrote
 * an event before it wrote the text itself; slow (tens of microseconds),
 * and no part of the library.
 */
#include "config.h"

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libical/ical.h>

#include "buf.h"
#include "calendars.h"
#include "calendars-private.h"
#include "feedref.h"

char *
feed_event_ical(const struct cal_event *ev, const char *lang, size_t *len)
{
	icalcomponent		*c, *alarm;
	icalproperty		*prop;
	struct buf		 b = BUF_INIT;
	struct icalgeotype	 geo;
	struct icaltriggertype	 trigger;
	enum icalproperty_status status;
	char			*summary, *s;

	if (len != NULL)
		*len = 0;
	if (ev == NULL || ev->uid == NULL || *ev->uid == '\0')
		return (NULL);

	if (ev->status == CAL_CANCELLED)
		status = ICAL_STATUS_CANCELLED;
	else if (ev->status == CAL_TENTATIVE || ev->waitlisted)
		status = ICAL_STATUS_TENTATIVE;
	else
		status = ICAL_STATUS_CONFIRMED;
	summary = feed_summary(ev, lang);

	c = icalcomponent_new(ICAL_VEVENT_COMPONENT);
	feed_add_text(c, icalproperty_new_uid, ev->uid);
	icalcomponent_add_property(c,
	    feed_utc(icalproperty_new_dtstamp, ev->last_modified));
	icalcomponent_add_property(c,
	    feed_time(icalproperty_new_dtstart, ev->start, ev->tzid));
	if (ev->end > ev->start) {
		icalcomponent_add_property(c,
		    feed_time(icalproperty_new_dtend, ev->end, ev->tzid));
	}
	icalcomponent_add_property(c, icalproperty_new_summary(summary));
	icalcomponent_add_property(c, icalproperty_new_status(status));
	icalcomponent_add_property(c,
	    icalproperty_new_sequence(ev->sequence > 0 ? ev->sequence : 0));
	if (ev->created > 0) {
		icalcomponent_add_property(c,
		    feed_utc(icalproperty_new_created, ev->created));
	}
	icalcomponent_add_property(c,
	    feed_utc(icalproperty_new_lastmodified, ev->last_modified));
	feed_add_text(c, icalproperty_new_location, ev->location);
	if (ev->has_geo && ev->lat >= -90.0 && ev->lat <= 90.0 &&
	    ev->lon >= -180.0 && ev->lon <= 180.0) {
		geo.lat = ev->lat;
		geo.lon = ev->lon;
		icalcomponent_add_property(c, icalproperty_new_geo(geo));
	}
	feed_add_text(c, icalproperty_new_description, ev->description);
	if (ev->url != NULL && *ev->url != '\0') {
		s = feed_clean_uri(ev->url);
		icalcomponent_add_property(c, icalproperty_new_url(s));
		free(s);
	}
	feed_add_text(c, icalproperty_new_categories, ev->category);
	icalcomponent_add_property(c,
	    icalproperty_new_transp(ICAL_TRANSP_OPAQUE));

	/* No reminder for a session that is not going to happen. */
	if (ev->alarm_minutes > 0 && ev->status != CAL_CANCELLED) {
		memset(&trigger, 0, sizeof trigger);
		trigger.time = icaltime_null_time();
		trigger.duration = icaldurationtype_null_duration();
		trigger.duration.is_neg = 1;
		trigger.duration.minutes = ev->alarm_minutes > FEED_ALARM_MAX ?
		    FEED_ALARM_MAX : ev->alarm_minutes;
		alarm = icalcomponent_new(ICAL_VALARM_COMPONENT);
		icalcomponent_add_property(alarm,
		    icalproperty_new_action(ICAL_ACTION_DISPLAY));
		prop = icalproperty_new_trigger(trigger);
		icalcomponent_add_property(alarm, prop);
		icalcomponent_add_property(alarm,
		    icalproperty_new_description(summary));
		icalcomponent_add_component(c, alarm);
	}
	free(summary);

	feed_write(&b, c);
	icalcomponent_free(c);
	if (b.data == NULL)
		return (NULL);
	if (len != NULL)
		*len = b.len;
	return (b.data);
}
