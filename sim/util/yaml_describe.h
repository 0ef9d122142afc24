// describe() (how a YAML value is named in messages) lives with the other YAML input helpers.
#pragma once
#include "util/yaml_input.h"
