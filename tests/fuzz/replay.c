/*
 * Without libFuzzer, a fuzz target is linked with this main(), which feeds
 * it every file named on the command line (or found in the directories
 * named) and prints TAP, so the corpus runs as a regression test.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const unsigned char *, size_t);

static int	count;

static void
replay_file(const char *path)
{
	FILE		*f;
	unsigned char	*buf;
	long		 len;

	if ((f = fopen(path, "rb")) == NULL) {
		printf("not ok %d - %s: cannot open\n", ++count, path);
		return;
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(len > 0 ? (size_t)len : 1);
	if (buf == NULL || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		printf("not ok %d - %s: cannot read\n", ++count, path);
		free(buf);
		fclose(f);
		return;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)len);	/* aborts on failure */
	free(buf);
	printf("ok %d - %s\n", ++count, path);
}

int
main(int argc, char **argv)
{
	struct stat	 sb;
	struct dirent	**names;
	char		 path[4096], dflt[4096];
	const char	*src;
	int		 i, n, k;

	/* With no arguments, replay the target's own corpus. */
	if (argc < 2 && (src = getenv("KURSUS_SRCDIR")) != NULL) {
		snprintf(dflt, sizeof dflt, "%s/%s", src, FUZZ_CORPUS);
		argv[0] = dflt;
		argc = 1;
		i = 0;
	} else
		i = 1;
	for (; i < argc; i++) {
		if (stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
			if ((n = scandir(argv[i], &names, NULL,
			    alphasort)) < 0)
				continue;
			for (k = 0; k < n; k++) {
				if (names[k]->d_name[0] != '.') {
					snprintf(path, sizeof path, "%s/%s",
					    argv[i], names[k]->d_name);
					replay_file(path);
				}
				free(names[k]);
			}
			free(names);
		} else
			replay_file(argv[i]);
	}
	printf("1..%d\n", count);
	return (0);
}
