/* SPDX-License-Identifier: ISC */
/* What every load balancer driver shares (lb_driver.h). */
#include "lb_driver.h"

#include <string.h>

bool
lb_same_default(const struct lb_state *seen, const struct lb_want *want)
{
	if (!seen->known || seen->intent != want->intent)
		return (false);
	return (want->intent != POLICY_INTENT_READY ||
	        seen->weight == want->weight);
}

void
lb_text_clean(char *dst, size_t dstsize, const char *src, size_t len)
{
	size_t n = 0;
	bool blank = false;

	for (size_t i = 0; i < len && n + 1 < dstsize; i++) {
		unsigned char ch = (unsigned char)src[i];

		if (ch < 0x20 || ch > 0x7e || ch == ' ') {
			blank = n > 0; /* leading blanks go */
			continue;
		}
		if (blank && n + 2 < dstsize)
			dst[n++] = ' ';
		else if (blank)
			break;
		blank = false;
		dst[n++] = (char)ch;
	}
	dst[n] = '\0';
}

const char *
lb_intent_name(enum policy_intent i)
{
	return (policy_intent_name(i));
}
