/* placeholder main until the supervisor lands */
int main(void);
int main(void) { return 0; }
