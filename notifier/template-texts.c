/*
 * The built-in texts: every kind of notice in Danish (the default) and
 * English, for e-mail and SMS, in the template language of template.c.
 *
 * Written for the reader, who is often over 70 and unsure of herself
 * online: who, what, when, where, what to bring and whom to call, in
 * short sentences; the course named as a course ("kurset »borger.dk«",
 * not "borger.dk", which reads as the web site); every message signed by
 * the library with its phone number, the venue's number first for
 * questions about the place. The running number ("kursist nr.") is for
 * staff and not told: she might think she must bring it. English
 * readers get English sentences only: what the library wrote in Danish
 * alone (access notes, what to bring without an English text) is
 * labelled as Danish, never run into an English sentence.
 *
 * An SMS is built from parts on a ladder (template.c), fullest first;
 * every rung keeps the phone number and the library's name.
 */
#include "config.h"

#include <stddef.h>

#include "notifier.h"
#include "template-private.h"

/* The e-mail block saying when and where, shared by several kinds. */
#define DA_WHEN_WHERE \
	"Hvornår: {when}\n" \
	"Hvor: {venue}\n" \
	"Adresse: {address}\n" \
	"Adgang: {access}\n" \
	"{bring_line}\n" \
	"Underviser: {instructor}\n"
/*
 * Whom to call about a seat: the venue about the place, when it has a
 * public phone of its own, then the library; and the personal cancel
 * link, which needs no phone call (its line is left out when there is
 * none). An SMS has no room for the link.
 */
#define DA_SEAT(verb) \
	"Har du spørgsmål om stedet, så ring til {venue} på {venue_phone}.\n" \
	verb ", så ring på {phone}, så en anden kan få pladsen.\n" \
	"Du kan også melde afbud her uden at ringe: {cancel_link}\n"
#define DA_QUESTIONS \
	"Har du spørgsmål, så ring på {phone}.\n"
/* After a withdrawal: whom to call if it was not meant. */
#define DA_MISTAKE \
	"Var det en fejl, så ring på {phone}.\n"
#define DA_CALENDAR \
	"Vil du have dine kurser i kalenderen på telefonen eller computeren?" \
	" Se her: {link}\n"
#define DA_SIGNATURE \
	"Venlig hilsen\n" \
	"{signature}\n" \
	"{library}\n" \
	"Telefon {library_phone}\n" \
	"{library_email}\n" \
	"{library_url}\n"

#define EN_WHEN_WHERE \
	"When: {when}\n" \
	"Where: {venue}\n" \
	"Address: {address}\n" \
	"Access (in Danish): {access}\n" \
	"{bring_line}\n" \
	"Instructor: {instructor}\n"
#define EN_SEAT(verb) \
	"For questions about the place, please call {venue} on" \
	" {venue_phone}.\n" \
	"If you cannot come " verb ", please call {phone} so someone else" \
	" can have your place.\n" \
	"You can also cancel here without calling: {cancel_link}\n"
#define EN_QUESTIONS \
	"If you have questions, please call {phone}.\n"
#define EN_MISTAKE \
	"If this is a mistake, please call {phone}.\n"
#define EN_CALENDAR \
	"Would you like your courses in the calendar on your phone or" \
	" computer? See {link}\n"
#define EN_SIGNATURE \
	"Kind regards\n" \
	"{signature}\n" \
	"{library}\n" \
	"Phone {library_phone}\n" \
	"{library_email}\n" \
	"{library_url}\n"

/* The SMS lines of whom to call. */
#define DA_SMS_CANCEL	"Afbud: ring {phone}", "Afbud: {phone}"
#define DA_SMS_ASK	"Spørgsmål: ring {phone}", "Tlf. {phone}"
#define DA_SMS_MISTAKE	"Fejl? Ring {phone}", "Tlf. {phone}"
#define EN_SMS_CANCEL	"Can't come? Call {phone}", "Tel. {phone}"
#define EN_SMS_ASK	"Questions? Call {phone}", "Tel. {phone}"
#define EN_SMS_MISTAKE	"Mistake? Call {phone}", "Tel. {phone}"

static const struct template_text template_da[KIND_COUNT] = {
	[KIND_CONFIRMATION] = {
		"Du er tilmeldt {the_course} {date}",
		"Kære {name}\n\n"
		"Tak for din tilmelding. Du har fået en plads på"
		" {the_course}.\n\n"
		DA_WHEN_WHERE "\n"
		"{message}\n\n"
		DA_SEAT("Bliver du forhindret") "\n"
		DA_CALENDAR "\n"
		DA_SIGNATURE,
		{ "Du er tilmeldt {the_course} {date} i {venue}",
		  "Tilmeldt: {the_course} {date}", NULL, 1, DA_SMS_CANCEL }
	},
	[KIND_WAITLISTED] = {
		"Du er på venteliste til {the_course} {date}",
		"Kære {name}\n\n"
		"Tak for din tilmelding til {the_course}.\n"
		"Holdet er desværre fuldt, så du står på ventelisten.\n"
		"Du er nr. {position} på ventelisten.\n\n"
		"Hvornår: {when}\n"
		"Hvor: {venue}\n"
		"Adresse: {address}\n\n"
		"{message}\n\n"
		"Får du en plads, sender vi dig besked med det samme.\n"
		"Du skal ikke gøre noget nu.\n"
		"Vil du ikke længere stå på ventelisten, så meld fra her:"
		" {cancel_link}\n"
		DA_QUESTIONS "\n"
		DA_SIGNATURE,
		{ "Du står på venteliste til {the_course} {date} i {venue}."
		  " Vi skriver, hvis du får en plads.",
		  "Venteliste: {the_course} {date}",
		  "Du er nr. {position} på listen.", 0, DA_SMS_ASK, 1 }
	},
	[KIND_PROMOTED] = {
		"Du har fået en plads på {the_course} {date}",
		"Kære {name}\n\n"
		"Godt nyt! Der er blevet en plads ledig på {the_course},"
		" og den er din.\n\n"
		DA_WHEN_WHERE "\n"
		"{message}\n\n"
		DA_SEAT("Bliver du forhindret") "\n"
		DA_CALENDAR "\n"
		DA_SIGNATURE,
		{ "Godt nyt! Du har fået plads på {the_course} {date} i"
		  " {venue}",
		  "Du har fået plads: {the_course} {date}", NULL, 1,
		  DA_SMS_CANCEL }
	},
	[KIND_DEMOTED] = {
		"Du står nu på venteliste til {the_course} {date}",
		"Kære {name}\n\n"
		"Vi må desværre skrive, at du ikke længere har en plads på"
		" {the_course} {date}.\n"
		"Du står i stedet på ventelisten.\n"
		"Du er nr. {position} på ventelisten.\n\n"
		"{message}\n\n"
		"Får du en plads igen, sender vi dig besked med det samme.\n"
		"Vi beklager meget. " DA_QUESTIONS "\n"
		DA_SIGNATURE,
		{ "Beklager: Du har ikke længere plads på {the_course} {date}."
		  " Du står nu på ventelisten, og vi skriver, hvis du får"
		  " plads igen.",
		  "Beklager: Du står nu på venteliste: {the_course} {date}",
		  "Du er nr. {position} på listen.", 0, DA_SMS_ASK, 1 }
	},
	[KIND_REMINDER] = {
		"Påmindelse: {the_course} {date}",
		"Kære {name}\n\n"
		"Vi glæder os til at se dig til {the_course}.\n\n"
		DA_WHEN_WHERE "\n"
		"{message}\n\n"
		DA_SEAT("Bliver du forhindret") "\n"
		DA_CALENDAR "\n"
		DA_SIGNATURE,
		{ "Husk {the_course} {date} i {venue}",
		  "Husk {the_course} {date}", NULL, 1, DA_SMS_CANCEL }
	},
	[KIND_MOVED] = {
		"Ændring: {the_course} {date}",
		"Kære {name}\n\n"
		"Der er sket en ændring for {the_course}.\n"
		"Her kan du se, hvornår og hvor kurset nu foregår.\n\n"
		"Hvornår: {when}\n"
		"Tidligere tid: {old_date}\n"
		"Hvor: {venue}\n"
		"Adresse: {address}\n"
		"Tidligere sted: {old_venue}\n"
		"Adgang: {access}\n"
		"{bring_line}\n\n"
		"{message}\n\n"
		"Du har stadig din plads.\n"
		DA_SEAT("Kan du ikke komme nu") "\n"
		DA_CALENDAR "\n"
		DA_SIGNATURE,
		{ "Ændring: {the_course} er nu {date} i {venue}",
		  "Ændring: {the_course} er nu {date}",
		  "Tidligere: {old_date}", 1, DA_SMS_CANCEL }
	},
	[KIND_CANCELLED] = {
		"Aflyst: {the_course} {date}",
		"Kære {name}\n\n"
		"Vi må desværre aflyse {the_course} {date} i {venue}.\n"
		"Årsag: {reason}\n\n"
		"{message}\n\n"
		"Vi beklager. Du skal ikke gøre noget.\n"
		DA_QUESTIONS "\n"
		DA_SIGNATURE,
		{ "Aflyst: {the_course} {date} i {venue}. Vi beklager.",
		  "Aflyst: {the_course} {date}",
		  "Årsag: {reason}", 0, DA_SMS_ASK, 1 }
	},
	[KIND_STAFF] = {
		"Besked om {the_course} {date}",
		"Kære {name}\n\n"
		"{message}\n\n"
		"Det drejer sig om {the_course} {date} i {venue}.\n"
		DA_QUESTIONS "\n"
		DA_SIGNATURE,
		{ "Besked om {the_course} {date}:",
		  "Om {the_course} {date}:", NULL, 0, DA_SMS_ASK }
	},
	[KIND_WITHDRAWN] = {
		"Du er afmeldt {the_course} {date}",
		"Kære {name}\n\n"
		"Du er nu afmeldt {the_course} {date} i {venue}.\n"
		"Pladsen går videre til en anden.\n\n"
		"{message}\n\n"
		DA_MISTAKE "\n"
		DA_SIGNATURE,
		{ "Du er afmeldt {the_course} {date} i {venue}.",
		  "Afmeldt: {the_course} {date}", NULL, 0,
		  DA_SMS_MISTAKE }
	},
	[KIND_SERIES] = {
		"Du er tilmeldt {the_course} fra {date}",
		"Kære {name}\n\n"
		"Tak for din tilmelding til {the_course}.\n"
		"Du er tilmeldt alle disse gange:\n\n"
		"{dates}\n\n"
		"Står du på venteliste til en af gangene, sender vi dig"
		" besked, hvis du får en plads.\n\n"
		"Hvor: {venue}\n"
		"Adresse: {address}\n"
		"Adgang: {access}\n"
		"{bring_line}\n"
		"Underviser: {instructor}\n\n"
		"{message}\n\n"
		DA_SEAT("Bliver du forhindret en af gangene") "\n"
		DA_CALENDAR "\n"
		DA_SIGNATURE,
		{ "Du er tilmeldt {the_course} i {venue}:\n{dates_short}",
		  "Tilmeldt {the_course}:\n{dates_short}", NULL, 1,
		  DA_SMS_CANCEL }
	},
	[KIND_SERIES_WITHDRAWN] = {
		"Du er afmeldt {the_course} fra {date}",
		"Kære {name}\n\n"
		"Du er nu afmeldt {the_course} i {venue} disse gange:\n\n"
		"{dates}\n\n"
		"Pladserne går videre til andre.\n\n"
		"{message}\n\n"
		DA_MISTAKE "\n"
		DA_SIGNATURE,
		{ "Du er afmeldt {the_course} i {venue}:\n{dates_short}",
		  "Afmeldt {the_course}:\n{dates_short}", NULL, 0,
		  DA_SMS_MISTAKE }
	},
	[KIND_UNREGISTERED] = {
		"Du er afmeldt {the_course} {date}",
		"Kære {name}\n\n"
		"Tak for din besked. Du er nu afmeldt {the_course} {date} i"
		" {venue}.\n"
		"Din plads går videre til en anden.\n\n"
		DA_MISTAKE "\n"
		DA_SIGNATURE,
		{ "Tak for besked. Du er afmeldt {the_course} {date}.",
		  "Afmeldt: {the_course} {date}", NULL, 0,
		  DA_SMS_MISTAKE }
	},
};

static const struct template_text template_en[KIND_COUNT] = {
	[KIND_CONFIRMATION] = {
		"You are registered for {the_course}, {date}",
		"Dear {name}\n\n"
		"Thank you for signing up. You have a place on"
		" {the_course}.\n\n"
		EN_WHEN_WHERE "\n"
		"{message}\n\n"
		EN_SEAT("after all") "\n"
		EN_CALENDAR "\n"
		EN_SIGNATURE,
		{ "You are registered for {the_course}, {date}, {venue}",
		  "Registered: {the_course}, {date}", NULL, 1, EN_SMS_CANCEL }
	},
	[KIND_WAITLISTED] = {
		"Waiting list: {the_course}, {date}",
		"Dear {name}\n\n"
		"Thank you for signing up for {the_course}.\n"
		"The course is full, so you are on the waiting list.\n"
		"You are number {position} on the waiting list.\n\n"
		"When: {when}\n"
		"Where: {venue}\n"
		"Address: {address}\n\n"
		"{message}\n\n"
		"If a place becomes free, we will tell you straight away.\n"
		"You do not need to do anything now.\n"
		"If you no longer want to wait, you can leave the list here:"
		" {cancel_link}\n"
		EN_QUESTIONS "\n"
		EN_SIGNATURE,
		{ "You are on the waiting list for {the_course}, {date},"
		  " {venue}. We will tell you if a place opens up.",
		  "Waiting list: {the_course}, {date}",
		  "You are number {position} on the list.", 0, EN_SMS_ASK, 1 }
	},
	[KIND_PROMOTED] = {
		"Good news: you have a place on {the_course}, {date}",
		"Dear {name}\n\n"
		"Good news! A place has become free on {the_course}, and it"
		" is yours.\n\n"
		EN_WHEN_WHERE "\n"
		"{message}\n\n"
		EN_SEAT("after all") "\n"
		EN_CALENDAR "\n"
		EN_SIGNATURE,
		{ "Good news! You now have a place on {the_course}, {date},"
		  " {venue}",
		  "You have a place: {the_course}, {date}", NULL, 1,
		  EN_SMS_CANCEL }
	},
	[KIND_DEMOTED] = {
		"Moved to the waiting list: {the_course}, {date}",
		"Dear {name}\n\n"
		"We are sorry to tell you that you no longer have a place on"
		" {the_course}, {date}.\n"
		"You are on the waiting list instead.\n"
		"You are number {position} on the waiting list.\n\n"
		"{message}\n\n"
		"If a place becomes free again, we will tell you straight"
		" away.\n"
		"We apologise. " EN_QUESTIONS "\n"
		EN_SIGNATURE,
		{ "We are sorry: you no longer have a place on {the_course},"
		  " {date}. You are on the waiting list and we will tell you"
		  " if a place opens up.",
		  "Sorry, moved to the waiting list: {the_course}, {date}",
		  "You are number {position} on the list.", 0, EN_SMS_ASK, 1 }
	},
	[KIND_REMINDER] = {
		"Reminder: {the_course}, {date}",
		"Dear {name}\n\n"
		"We look forward to seeing you at {the_course}.\n\n"
		EN_WHEN_WHERE "\n"
		"{message}\n\n"
		EN_SEAT("after all") "\n"
		EN_CALENDAR "\n"
		EN_SIGNATURE,
		{ "Reminder: {the_course}, {date}, {venue}",
		  "Reminder: {the_course}, {date}", NULL, 1, EN_SMS_CANCEL }
	},
	[KIND_MOVED] = {
		"Change: {the_course}, {date}",
		"Dear {name}\n\n"
		"There has been a change to {the_course}.\n"
		"Here is when and where it now takes place.\n\n"
		"When: {when}\n"
		"Previously: {old_date}\n"
		"Where: {venue}\n"
		"Address: {address}\n"
		"Previously at: {old_venue}\n"
		"Access (in Danish): {access}\n"
		"{bring_line}\n\n"
		"{message}\n\n"
		"You still have your place.\n"
		EN_SEAT("now") "\n"
		EN_CALENDAR "\n"
		EN_SIGNATURE,
		{ "Change: {the_course} is now {date}, {venue}",
		  "Change: {the_course} is now {date}",
		  "Previously: {old_date}", 1, EN_SMS_CANCEL }
	},
	[KIND_CANCELLED] = {
		"Cancelled: {the_course}, {date}",
		"Dear {name}\n\n"
		"We are sorry to cancel {the_course}, {date}, at {venue}.\n"
		"Reason: {reason}\n\n"
		"{message}\n\n"
		"We apologise. You do not need to do anything.\n"
		EN_QUESTIONS "\n"
		EN_SIGNATURE,
		{ "Cancelled: {the_course}, {date}, {venue}. We are sorry.",
		  "Cancelled: {the_course}, {date}",
		  "Reason: {reason}", 0, EN_SMS_ASK, 1 }
	},
	[KIND_STAFF] = {
		"Message about {the_course}, {date}",
		"Dear {name}\n\n"
		"{message}\n\n"
		"This is about {the_course}, {date}, at {venue}.\n"
		EN_QUESTIONS "\n"
		EN_SIGNATURE,
		{ "About {the_course}, {date}:",
		  "About {the_course}, {date}:", NULL, 0, EN_SMS_ASK }
	},
	[KIND_WITHDRAWN] = {
		"You are unregistered from {the_course}, {date}",
		"Dear {name}\n\n"
		"You are now unregistered from {the_course}, {date}, at"
		" {venue}.\n"
		"Your place goes to someone else.\n\n"
		"{message}\n\n"
		EN_MISTAKE "\n"
		EN_SIGNATURE,
		{ "You are unregistered from {the_course}, {date}, {venue}.",
		  "Unregistered: {the_course}, {date}", NULL, 0,
		  EN_SMS_MISTAKE }
	},
	[KIND_SERIES] = {
		"You are registered for {the_course} from {date}",
		"Dear {name}\n\n"
		"Thank you for signing up for {the_course}.\n"
		"You are registered for all of these dates:\n\n"
		"{dates}\n\n"
		"If you are on the waiting list for one of them, we will tell"
		" you if a place becomes free.\n\n"
		"Where: {venue}\n"
		"Address: {address}\n"
		"Access (in Danish): {access}\n"
		"{bring_line}\n"
		"Instructor: {instructor}\n\n"
		"{message}\n\n"
		EN_SEAT("one of the days") "\n"
		EN_CALENDAR "\n"
		EN_SIGNATURE,
		{ "You are registered for {the_course}, {venue}:\n"
		  "{dates_short}",
		  "Registered: {the_course}:\n{dates_short}", NULL, 1,
		  EN_SMS_CANCEL }
	},
	[KIND_SERIES_WITHDRAWN] = {
		"You are unregistered from {the_course} from {date}",
		"Dear {name}\n\n"
		"You are now unregistered from {the_course} at {venue} on"
		" these dates:\n\n"
		"{dates}\n\n"
		"Your places go to someone else.\n\n"
		"{message}\n\n"
		EN_MISTAKE "\n"
		EN_SIGNATURE,
		{ "You are unregistered from {the_course}, {venue}:\n"
		  "{dates_short}",
		  "Unregistered: {the_course}:\n{dates_short}", NULL, 0,
		  EN_SMS_MISTAKE }
	},
	[KIND_UNREGISTERED] = {
		"You have cancelled your place: {the_course}, {date}",
		"Dear {name}\n\n"
		"Thank you for letting us know. You are no longer registered"
		" for {the_course}, {date}, at {venue}.\n"
		"Your place goes to someone else.\n\n"
		EN_MISTAKE "\n"
		EN_SIGNATURE,
		{ "Thank you. Your place on {the_course}, {date} is cancelled.",
		  "Cancelled: {the_course}, {date}", NULL, 0,
		  EN_SMS_MISTAKE }
	},
};

const struct template_lang template_langs[2] = {
	{ "Hej {first_name}", "{address}", "Adgang: {access}",
	  "{bring_line}", "Om stedet: ring {venue_phone}",
	  "Hilsen {library}", "{library}", "Biblioteket", template_da },
	{ "Hi {first_name}", "{address}", "Access (in Danish): {access}",
	  "{bring_line}", "About the place: call {venue_phone}",
	  "From {library}", "{library}", "The library", template_en },
};
