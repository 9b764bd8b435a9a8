/*
 * Fuzz target for the configuration reader: the input is a kursusd.conf.
 * It must either load or fail with a cause naming file:line.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kursusd.h"

int	LLVMFuzzerTestOneInput(const unsigned char *, size_t);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char		 path[] = "/tmp/kursus-fuzz-conf-XXXXXX", *cause = NULL;
	struct config	*conf;
	FILE		*f;
	int		 fd;

	if ((fd = mkstemp(path)) == -1 || (f = fdopen(fd, "w")) == NULL)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	if (config_load(path, NULL, 0, &conf, &cause) == 0)
		config_free(conf);
	else {
		if (cause == NULL || strncmp(cause, path, strlen(path)) != 0)
			abort();
		free(cause);
	}
	unlink(path);
	return (0);
}
