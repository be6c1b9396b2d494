package io.ringroute.demo.social;

/** A followee's rows as a timeline rebuild needs them: the profile, and the recent post refs of its version. */
record Followee(Profile profile, RefList recent) {
}
