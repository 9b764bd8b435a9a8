/*
 * Allocation wrappers that never return NULL: on exhaustion they log and
 * exit. The caller owns every pointer they return and frees it with free().
 */
#ifndef XMALLOC_H
#define XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
/* A copy of s, or NULL when s is NULL. */
char	*xstrdupnull(const char *s);
int	 xasprintf(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 xvasprintf(char **, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
/* The directory of path, what comes before its last '/' ("." for a bare
 * name, "/" for one in the root), in new memory. */
char	*xdirname(const char *path);
/* Returns a newly allocated formatted string. */
char	*xprintf(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif
