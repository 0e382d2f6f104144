// The target's functions are inline, in include/CSupport.h; SwiftPM needs one source file.
#include "CSupport.h"
