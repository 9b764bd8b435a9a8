/*
 * The words kursusd sends: the built-in Danish and English texts of every
 * notice kind (template.c renders them). The readers are mostly seniors:
 * the texts say who, what, when, where, what to bring and whom to call,
 * in short sentences; SMS texts are parts on a ladder, fullest first.
 */
#include "config.h"

#include <stddef.h>

#include "notifier.h"
#include "template-private.h"

/* The e-mail block saying when and where, shared by several kinds. */
#define DA_WHEN_WHERE \
	"Hvornår: {date}\n" \
	"Vi slutter kl. {end}.\n" \
	"Hvor: {venue}\n" \
	"Adresse: {address}\n" \
	"Adgang: {access}\n" \
	"Medbring: {bring}\n" \
	"Underviser: {instructor}\n"
#define DA_SIGNATURE \
	"Venlig hilsen\n" \
	"Biblioteket\n"
#define DA_CALENDAR \
	"Din personlige kalender med dine kurser: {link}\n"

#define EN_WHEN_WHERE \
	"When: {date}\n" \
	"Ends at {end}.\n" \
	"Where: {venue}\n" \
	"Address: {address}\n" \
	"Access: {access}\n" \
	"Please bring: {bring}\n" \
	"Instructor: {instructor}\n"
#define EN_SIGNATURE \
	"Kind regards\n" \
	"The library\n"
#define EN_CALENDAR \
	"Your personal calendar with your courses: {link}\n"

static const struct template_text template_da[KIND_COUNT] = {
	[KIND_CONFIRMATION] = {
		"Du er tilmeldt {course} {date}",
		"Kære {name}\n\n"
		"Tak for din tilmelding. Du har fået en plads på {course}.\n"
		"Du er kursist nr. {number}.\n\n"
		DA_WHEN_WHERE "\n"
		"{message}\n\n"
		"Bliver du forhindret, så ring på {phone},"
		" så en anden kan få pladsen.\n"
		DA_CALENDAR "\n"
		DA_SIGNATURE,
		{ "Du er tilmeldt {course} {date} i {venue}",
		  "Tilmeldt: {course} {date}", NULL, 1,
		  "Afbud: ring {phone}", "Afbud: {phone}" }
	},
	[KIND_WAITLISTED] = {
		"Du er på venteliste til {course} {date}",
		"Kære {name}\n\n"
		"Tak for din tilmelding til {course}.\n"
		"Holdet er desværre fuldt, så du står på ventelisten.\n"
		"Du er nr. {position} på ventelisten.\n\n"
		"Hvornår: {date}\n"
		"Hvor: {venue}\n"
		"Adresse: {address}\n\n"
		"{message}\n\n"
		"Får du en plads, sender vi dig besked med det samme.\n"
		"Du skal ikke gøre noget nu.\n"
		"Har du spørgsmål, så ring på {phone}.\n\n"
		DA_SIGNATURE,
		{ "Du står på venteliste til {course} {date} i {venue}."
		  " Vi skriver, hvis du får en plads.",
		  "Venteliste: {course} {date}",
		  "Du er nr. {position} på listen.", 0,
		  "Spørgsmål: ring {phone}", "Tlf. {phone}" }
	},
	[KIND_PROMOTED] = {
		"Du har fået en plads på {course} {date}",
		"Kære {name}\n\n"
		"Godt nyt! Der er blevet en plads ledig, og den er din.\n"
		"Du er nu tilmeldt {course}.\n"
		"Du er kursist nr. {number}.\n\n"
		DA_WHEN_WHERE "\n"
		"{message}\n\n"
		"Bliver du forhindret, så ring på {phone},"
		" så en anden kan få pladsen.\n"
		DA_CALENDAR "\n"
		DA_SIGNATURE,
		{ "Godt nyt! Du har fået plads på {course} {date} i {venue}",
		  "Du har fået plads: {course} {date}", NULL, 1,
		  "Afbud: ring {phone}", "Afbud: {phone}" }
	},
	[KIND_DEMOTED] = {
		"Du er flyttet til ventelisten: {course} {date}",
		"Kære {name}\n\n"
		"Vi må desværre skrive, at du ikke længere har en plads på"
		" {course} {date}.\n"
		"Du står i stedet på ventelisten.\n"
		"Du er nr. {position} på ventelisten.\n\n"
		"{message}\n\n"
		"Får du en plads igen, sender vi dig besked med det samme.\n"
		"Vi beklager meget. Har du spørgsmål, så ring på {phone}.\n\n"
		DA_SIGNATURE,
		{ "Beklager: Du har ikke længere plads på {course} {date}."
		  " Du står nu på ventelisten, og vi skriver, hvis du får"
		  " plads igen.",
		  "Beklager: Du er flyttet til venteliste: {course} {date}",
		  "Du er nr. {position} på listen.", 0,
		  "Spørgsmål: ring {phone}", "Tlf. {phone}" }
	},
	[KIND_REMINDER] = {
		"Påmindelse: {course} {date}",
		"Kære {name}\n\n"
		"Vi glæder os til at se dig til {course}.\n\n"
		DA_WHEN_WHERE "\n"
		"{message}\n\n"
		"Bliver du forhindret, så ring på {phone},"
		" så en anden kan få pladsen.\n"
		DA_CALENDAR "\n"
		DA_SIGNATURE,
		{ "Husk {course} {date} i {venue}",
		  "Husk {course} {date}", NULL, 1,
		  "Afbud: ring {phone}", "Afbud: {phone}" }
	},
	[KIND_MOVED] = {
		"Ændring: {course} {date}",
		"Kære {name}\n\n"
		"Der er sket en ændring for {course}.\n"
		"Her kan du se, hvornår og hvor kurset nu foregår.\n\n"
		"Hvornår: {date}\n"
		"Tidligere tid: {old_date}\n"
		"Vi slutter kl. {end}.\n"
		"Hvor: {venue}\n"
		"Adresse: {address}\n"
		"Tidligere sted: {old_venue}\n"
		"Adgang: {access}\n"
		"Medbring: {bring}\n\n"
		"{message}\n\n"
		"Du har stadig din plads.\n"
		"Kan du ikke komme nu, så ring på {phone},"
		" så en anden kan få pladsen.\n"
		DA_CALENDAR "\n"
		DA_SIGNATURE,
		{ "Ændring: {course} er nu {date} i {venue}",
		  "Ændring: {course} er nu {date}",
		  "Tidligere: {old_date}", 1,
		  "Afbud: ring {phone}", "Afbud: {phone}" }
	},
	[KIND_CANCELLED] = {
		"Aflyst: {course} {date}",
		"Kære {name}\n\n"
		"Vi må desværre aflyse {course} {date} i {venue}.\n"
		"Årsag: {reason}\n\n"
		"{message}\n\n"
		"Vi beklager. Du skal ikke gøre noget.\n"
		"Har du spørgsmål, så ring på {phone}.\n\n"
		DA_SIGNATURE,
		{ "Aflyst: {course} {date} i {venue}. Vi beklager.",
		  "Aflyst: {course} {date}",
		  "Årsag: {reason}", 0,
		  "Spørgsmål: ring {phone}", "Tlf. {phone}" }
	},
	[KIND_STAFF] = {
		"Besked om {course} {date}",
		"Kære {name}\n\n"
		"{message}\n\n"
		"Det drejer sig om {course} {date} i {venue}.\n"
		"Har du spørgsmål, så ring på {phone}.\n\n"
		DA_SIGNATURE,
		{ "Besked om {course} {date}:",
		  "{course} {date}:", NULL, 0,
		  "Spørgsmål: ring {phone}", "Tlf. {phone}" }
	},
	[KIND_WITHDRAWN] = {
		"Afmeldt: {course} {date}",
		"Kære {name}\n\n"
		"Du er nu afmeldt {course} {date} i {venue}.\n"
		"Pladsen går videre til en anden.\n\n"
		"{message}\n\n"
		"Var det en fejl, så ring på {phone}.\n\n"
		DA_SIGNATURE,
		{ "Du er afmeldt {course} {date} i {venue}.",
		  "Afmeldt: {course} {date}", NULL, 0,
		  "Fejl? Ring {phone}", "Tlf. {phone}" }
	},
	[KIND_SERIES] = {
		"Du er tilmeldt {course} fra {date}",
		"Kære {name}\n\n"
		"Tak for din tilmelding til {course}.\n"
		"Du er tilmeldt alle disse gange:\n\n"
		"{dates}\n\n"
		"Står du på venteliste til en af gangene, sender vi dig"
		" besked, hvis du får en plads.\n\n"
		"Vi slutter kl. {end}.\n"
		"Hvor: {venue}\n"
		"Adresse: {address}\n"
		"Adgang: {access}\n"
		"Medbring: {bring}\n"
		"Underviser: {instructor}\n\n"
		"{message}\n\n"
		"Bliver du forhindret en af gangene, så ring på {phone},"
		" så en anden kan få pladsen.\n"
		DA_CALENDAR "\n"
		DA_SIGNATURE,
		{ "Du er tilmeldt {course} i {venue}:\n{dates_short}",
		  "Tilmeldt {course}:\n{dates_short}", NULL, 1,
		  "Afbud: ring {phone}", "Afbud: {phone}" }
	},
	[KIND_SERIES_WITHDRAWN] = {
		"Afmeldt: {course} fra {date}",
		"Kære {name}\n\n"
		"Du er nu afmeldt {course} i {venue} disse gange:\n\n"
		"{dates}\n\n"
		"Pladserne går videre til andre.\n\n"
		"{message}\n\n"
		"Var det en fejl, så ring på {phone}.\n\n"
		DA_SIGNATURE,
		{ "Du er afmeldt {course} i {venue}:\n{dates_short}",
		  "Afmeldt {course}:\n{dates_short}", NULL, 0,
		  "Fejl? Ring {phone}", "Tlf. {phone}" }
	},
};

static const struct template_text template_en[KIND_COUNT] = {
	[KIND_CONFIRMATION] = {
		"You are registered: {course}, {date}",
		"Dear {name}\n\n"
		"Thank you for signing up. You have a place on {course}.\n"
		"Your participant number is {number}.\n\n"
		EN_WHEN_WHERE "\n"
		"{message}\n\n"
		"If you cannot come after all, please call {phone}"
		" so someone else can have your place.\n"
		EN_CALENDAR "\n"
		EN_SIGNATURE,
		{ "You are registered for {course}, {date}, {venue}",
		  "Registered: {course}, {date}", NULL, 1,
		  "Can't come? Call {phone}", "Tel. {phone}" }
	},
	[KIND_WAITLISTED] = {
		"Waiting list: {course}, {date}",
		"Dear {name}\n\n"
		"Thank you for signing up for {course}.\n"
		"The course is full, so you are on the waiting list.\n"
		"You are number {position} on the waiting list.\n\n"
		"When: {date}\n"
		"Where: {venue}\n"
		"Address: {address}\n\n"
		"{message}\n\n"
		"If a place becomes free, we will tell you straight away.\n"
		"You do not need to do anything now.\n"
		"If you have questions, please call {phone}.\n\n"
		EN_SIGNATURE,
		{ "You are on the waiting list for {course}, {date}, {venue}."
		  " We will tell you if a place opens up.",
		  "Waiting list: {course}, {date}",
		  "You are number {position} on the list.", 0,
		  "Questions? Call {phone}", "Tel. {phone}" }
	},
	[KIND_PROMOTED] = {
		"Good news: you have a place on {course}, {date}",
		"Dear {name}\n\n"
		"Good news! A place has become free, and it is yours.\n"
		"You are now registered for {course}.\n"
		"Your participant number is {number}.\n\n"
		EN_WHEN_WHERE "\n"
		"{message}\n\n"
		"If you cannot come after all, please call {phone}"
		" so someone else can have your place.\n"
		EN_CALENDAR "\n"
		EN_SIGNATURE,
		{ "Good news! You now have a place on {course}, {date},"
		  " {venue}",
		  "You have a place: {course}, {date}", NULL, 1,
		  "Can't come? Call {phone}", "Tel. {phone}" }
	},
	[KIND_DEMOTED] = {
		"Moved to the waiting list: {course}, {date}",
		"Dear {name}\n\n"
		"We are sorry to tell you that you no longer have a place on"
		" {course}, {date}.\n"
		"You are on the waiting list instead.\n"
		"You are number {position} on the waiting list.\n\n"
		"{message}\n\n"
		"If a place becomes free again, we will tell you straight"
		" away.\n"
		"We apologise. If you have questions, please call {phone}.\n\n"
		EN_SIGNATURE,
		{ "We are sorry: you no longer have a place on {course},"
		  " {date}. You are on the waiting list and we will tell you"
		  " if a place opens up.",
		  "Sorry, moved to the waiting list: {course}, {date}",
		  "You are number {position} on the list.", 0,
		  "Questions? Call {phone}", "Tel. {phone}" }
	},
	[KIND_REMINDER] = {
		"Reminder: {course}, {date}",
		"Dear {name}\n\n"
		"We look forward to seeing you at {course}.\n\n"
		EN_WHEN_WHERE "\n"
		"{message}\n\n"
		"If you cannot come after all, please call {phone}"
		" so someone else can have your place.\n"
		EN_CALENDAR "\n"
		EN_SIGNATURE,
		{ "Reminder: {course}, {date}, {venue}",
		  "Reminder: {course}, {date}", NULL, 1,
		  "Can't come? Call {phone}", "Tel. {phone}" }
	},
	[KIND_MOVED] = {
		"Change: {course}, {date}",
		"Dear {name}\n\n"
		"There has been a change to {course}.\n"
		"Here is when and where it now takes place.\n\n"
		"When: {date}\n"
		"Previously: {old_date}\n"
		"Ends at {end}.\n"
		"Where: {venue}\n"
		"Address: {address}\n"
		"Previously at: {old_venue}\n"
		"Access: {access}\n"
		"Please bring: {bring}\n\n"
		"{message}\n\n"
		"You still have your place.\n"
		"If you cannot come now, please call {phone}"
		" so someone else can have your place.\n"
		EN_CALENDAR "\n"
		EN_SIGNATURE,
		{ "Change: {course} is now {date}, {venue}",
		  "Change: {course} is now {date}",
		  "Previously: {old_date}", 1,
		  "Can't come? Call {phone}", "Tel. {phone}" }
	},
	[KIND_CANCELLED] = {
		"Cancelled: {course}, {date}",
		"Dear {name}\n\n"
		"We are sorry to cancel {course}, {date}, at {venue}.\n"
		"Reason: {reason}\n\n"
		"{message}\n\n"
		"We apologise. You do not need to do anything.\n"
		"If you have questions, please call {phone}.\n\n"
		EN_SIGNATURE,
		{ "Cancelled: {course}, {date}, {venue}. We are sorry.",
		  "Cancelled: {course}, {date}",
		  "Reason: {reason}", 0,
		  "Questions? Call {phone}", "Tel. {phone}" }
	},
	[KIND_STAFF] = {
		"Message about {course}, {date}",
		"Dear {name}\n\n"
		"{message}\n\n"
		"This is about {course}, {date}, at {venue}.\n"
		"If you have questions, please call {phone}.\n\n"
		EN_SIGNATURE,
		{ "About {course}, {date}:",
		  "{course}, {date}:", NULL, 0,
		  "Questions? Call {phone}", "Tel. {phone}" }
	},
	[KIND_WITHDRAWN] = {
		"Registration cancelled: {course}, {date}",
		"Dear {name}\n\n"
		"Your place on {course}, {date}, at {venue} is cancelled.\n"
		"It goes to someone else.\n\n"
		"{message}\n\n"
		"If this is a mistake, please call {phone}.\n\n"
		EN_SIGNATURE,
		{ "Your place on {course}, {date}, {venue} is cancelled.",
		  "Cancelled: {course}, {date}", NULL, 0,
		  "Mistake? Call {phone}", "Tel. {phone}" }
	},
	[KIND_SERIES] = {
		"You are registered: {course} from {date}",
		"Dear {name}\n\n"
		"Thank you for signing up for {course}.\n"
		"You are registered for all of these dates:\n\n"
		"{dates}\n\n"
		"If you are on the waiting list for one of them, we will tell"
		" you if a place becomes free.\n\n"
		"Ends at {end}.\n"
		"Where: {venue}\n"
		"Address: {address}\n"
		"Access: {access}\n"
		"Please bring: {bring}\n"
		"Instructor: {instructor}\n\n"
		"{message}\n\n"
		"If you cannot come one of the days, please call {phone}"
		" so someone else can have your place.\n"
		EN_CALENDAR "\n"
		EN_SIGNATURE,
		{ "You are registered for {course}, {venue}:\n{dates_short}",
		  "Registered: {course}:\n{dates_short}", NULL, 1,
		  "Can't come? Call {phone}", "Tel. {phone}" }
	},
	[KIND_SERIES_WITHDRAWN] = {
		"Registration cancelled: {course} from {date}",
		"Dear {name}\n\n"
		"Your places on {course} at {venue} are cancelled for these"
		" dates:\n\n"
		"{dates}\n\n"
		"They go to someone else.\n\n"
		"{message}\n\n"
		"If this is a mistake, please call {phone}.\n\n"
		EN_SIGNATURE,
		{ "Your places on {course}, {venue} are cancelled:\n"
		  "{dates_short}",
		  "Cancelled: {course}:\n{dates_short}", NULL, 0,
		  "Mistake? Call {phone}", "Tel. {phone}" }
	},
};

const struct template_lang template_langs[2] = {
	{ "Hej {first_name}", "{address}", "Adgang: {access}",
	  "Medbring: {bring}", template_da },
	{ "Hi {first_name}", "{address}", "Access: {access}",
	  "Bring: {bring}", template_en },
};
